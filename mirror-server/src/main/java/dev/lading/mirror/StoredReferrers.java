package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ManifestDocument;
import dev.lading.registry.Referrers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The referrers a storage holds itself: its repository's manifests whose {@code subject} is the
 * digest asked for.
 *
 * <p>Found by reading the repository's manifests on each request: fine for the repositories of a
 * build mirror (tens of manifests); an index kept at push time is for when that stops being so.
 */
final class StoredReferrers {
  private StoredReferrers() {}

  /** The referrers of {@code subject} among the manifests of {@code repository}. */
  static List<Descriptor> find(RegistryStorage storage, String repository, Digest subject)
      throws IOException {
    List<Descriptor> found = new ArrayList<>();
    for (Descriptor d : storage.manifests(repository)) {
      Optional<byte[]> bytes = d.size() > ManifestHandler.MAX_MANIFEST_BYTES ? Optional.empty()
          : storage.smallBlob(d.digest());
      if (bytes.isEmpty()) {
        continue;
      }
      ManifestDocument doc;
      try {
        doc = ManifestDocument.parse(bytes.get(), d.mediaType());
      } catch (RuntimeException unreadable) {
        continue;
      }
      Optional<Descriptor> of = Referrers.subjectOf(doc);
      if (of.isPresent() && of.get().digest().equals(subject)) {
        found.add(Referrers.entryOf(doc, d));
      }
    }
    return found;
  }
}
