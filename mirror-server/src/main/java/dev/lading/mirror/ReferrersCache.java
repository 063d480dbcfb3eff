package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What upstreams last listed as referrers, kept so that the list is still served while the upstream
 * is down, across restarts: one small JSON file per (cache repository, subject, artifactType) under
 * {@code .lading/mirror/referrers/} of the store, named by the hash of those three. Files are
 * replaced atomically ({@link AtomicFiles}), so a reader sees a whole list; outside the blobs, so
 * gc never sees them.
 */
final class ReferrersCache {
  private final Path dir;

  /** One list as stored; the key is repeated inside so that a file is readable on its own. */
  record Entry(String repository, String subject, String artifactType, List<Descriptor> manifests) {}

  ReferrersCache(Path storeRoot) {
    this.dir = storeRoot.resolve(".lading/mirror/referrers");
  }

  /** Remembers what the upstream of {@code repository} listed. */
  void put(String repository, Digest subject, String artifactType, List<Descriptor> manifests)
      throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.write(file(repository, subject, artifactType),
        Json.write(new Entry(repository, subject.toString(), artifactType, manifests)));
  }

  /** The last list remembered; empty when none was, or its file is unreadable. */
  Optional<List<Descriptor>> get(String repository, Digest subject, String artifactType)
      throws IOException {
    Path file = file(repository, subject, artifactType);
    try {
      Entry e = Json.read(Files.readAllBytes(file), Entry.class, file.toString());
      // A hash collision or a hand-edited file: only the list asked for counts.
      boolean same = repository.equals(e.repository()) && subject.toString().equals(e.subject())
          && Objects.equals(artifactType, e.artifactType()) && e.manifests() != null;
      return same ? Optional.of(e.manifests()) : Optional.empty();
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    } catch (RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  private Path file(String repository, Digest subject, String artifactType) {
    String key = repository + "@" + subject + (artifactType == null ? "" : "?" + artifactType);
    return dir.resolve(Digest.ofUtf8(key).hex() + ".json");
  }
}
