package dev.lading.store.archive;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import dev.lading.store.StoreRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What an export writes: the chosen refs and repository tags, the blobs they reach that the store
 * holds, and the origin records of those it lacks. Images that need a blob the store lacks with no
 * known origin cannot be restored from the archive: left out with a warning when exporting the whole
 * store, an error when named.
 *
 * @param refs named images, by name
 * @param tags repository tags
 * @param blobs blobs to write, by digest, with their sizes
 * @param origins absent blobs, by digest, with where they can be fetched from
 * @param absent the descriptors of those absent blobs
 * @param skipped one line per image left out, saying why
 */
record ExportSelection(Map<String, Descriptor> refs, List<ArchiveMetadata.Tag> tags,
    Map<Digest, Long> blobs, Map<Digest, List<BlobOrigin>> origins, Map<Digest, Descriptor> absent,
    List<String> skipped) {

  /** Every ref and every repository tag of the store. */
  static ExportSelection all(Store store) throws IOException {
    Builder b = new Builder(store, false);
    for (StoreRef ref : store.refs()) {
      b.addRef(ref.name(), ref.descriptor());
    }
    for (String repository : store.repositories()) {
      for (String tag : store.tags(repository)) {
        Optional<Descriptor> d = store.tag(repository, tag); // gone meanwhile: not exported
        if (d.isPresent()) {
          b.addTag(repository, tag, d.get());
        }
      }
    }
    return b.build();
  }

  /**
   * The named images: each name is a ref ({@code docker.io/library/demo:1}, or any form
   * {@code store:NAME} accepts, e.g. {@code demo:1}) or a repository tag ({@code library/demo:1}).
   *
   * @throws IllegalArgumentException naming an image the store does not have
   */
  static ExportSelection of(Store store, List<String> names) throws IOException {
    Builder b = new Builder(store, true);
    for (String name : names) {
      Optional<Descriptor> ref = store.ref(name);
      if (ref.isPresent()) {
        b.addRef(name, ref.get());
        continue;
      }
      Optional<String> canonical = canonical(name).filter(c -> !c.equals(name));
      if (canonical.isPresent() && (ref = store.ref(canonical.get())).isPresent()) {
        b.addRef(canonical.get(), ref.get());
        continue;
      }
      int colon = name.lastIndexOf(':');
      if (colon > 0 && colon > name.lastIndexOf('/')) {
        String repository = name.substring(0, colon);
        String tag = name.substring(colon + 1);
        if (Store.isRepositoryName(repository) && Store.isTagName(tag)) {
          Optional<Descriptor> tagged = store.tag(repository, tag);
          if (tagged.isPresent()) {
            b.addTag(repository, tag, tagged.get());
            continue;
          }
        }
      }
      throw new IllegalArgumentException("the store " + store.root() + " has no image " + name
          + " (neither a ref nor a repository tag; see lading store ls --tags)");
    }
    return b.build();
  }

  /** The canonical reference of a name, as {@code store:NAME} reads it, when it is a reference. */
  static Optional<String> canonical(String name) {
    try {
      return Optional.of(ImageReference.parse(name).toString());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  long totalBytes() {
    return blobs.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Collects images one by one, each walked once. */
  private static final class Builder {
    private final Store store;
    private final boolean strict;
    private final Map<String, Descriptor> refs = new TreeMap<>();
    private final Map<String, ArchiveMetadata.Tag> tags = new TreeMap<>();
    private final Map<Digest, Long> blobs = new TreeMap<>();
    private final Map<Digest, List<BlobOrigin>> origins = new TreeMap<>();
    private final Map<Digest, Descriptor> absent = new TreeMap<>();
    private final List<String> skipped = new ArrayList<>();
    /** Walks by root digest: a mirror's many tags often share their manifests. */
    private final Map<Digest, ImageBlobs> walked = new java.util.HashMap<>();

    Builder(Store store, boolean strict) {
      this.store = store;
      this.strict = strict;
    }

    void addRef(String name, Descriptor d) throws IOException {
      if (include(name, d)) {
        refs.put(name, d);
      }
    }

    void addTag(String repository, String tag, Descriptor d) throws IOException {
      if (include(repository + ":" + tag, d)) {
        tags.put(repository + ":" + tag, new ArchiveMetadata.Tag(repository, tag, d));
      }
    }

    private boolean include(String name, Descriptor root) throws IOException {
      ImageBlobs image = walked.get(root.digest());
      if (image == null) {
        image = ImageBlobs.walk(store, root);
        walked.put(root.digest(), image);
      }
      Map<Digest, List<BlobOrigin>> found = new TreeMap<>();
      for (Descriptor absent : image.absent().values()) {
        List<BlobOrigin> from = store.origins(absent.digest());
        if (from.isEmpty()) {
          String why = name + " needs " + absent.digest() + " (" + absent.mediaType() + "), which the"
              + " store lacks and no registry is known to hold";
          if (strict) {
            throw new IllegalArgumentException("cannot export " + why + "; copy the image again");
          }
          skipped.add(why);
          return false;
        }
        found.put(absent.digest(), from);
      }
      blobs.putAll(image.present());
      origins.putAll(found);
      for (Digest d : found.keySet()) {
        absent.put(d, image.absent().get(d));
      }
      return true;
    }

    ExportSelection build() {
      return new ExportSelection(refs, List.copyOf(tags.values()), blobs, origins, absent, skipped);
    }
  }
}
