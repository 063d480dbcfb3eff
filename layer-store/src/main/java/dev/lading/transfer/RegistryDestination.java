package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.registry.BlobSource;
import dev.lading.registry.RegistryClient;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Pushes to a registry. A blob the repository has is skipped; one that another repository of the same
 * registry has (the image's origin, or a blob's recorded origin) is mounted from there, so no bytes
 * pass through us; anything else is uploaded from the store, fetched there first when absent. Every
 * blob at the destination is recorded as held there. Manifests go last, children before the index
 * that lists them, then the extra tags (one manifest PUT each).
 */
final class RegistryDestination implements Destination {
  private final RegistryClient client;
  private final Store store;
  private final ImageReference ref;
  private final BlobOrigin here;
  private final Optional<BlobOrigin> imageOrigin;
  private final List<String> extraTags;
  private final TransferListener listener;

  RegistryDestination(RegistryClient client, Store store, ImageReference ref,
      Optional<ImageReference> origin, List<String> extraTags, TransferListener listener) {
    this.client = client;
    this.store = store;
    this.ref = ref;
    this.here = new BlobOrigin(ref.registry(), ref.repository());
    this.imageOrigin = origin.map(o -> new BlobOrigin(o.registry(), o.repository()));
    this.extraTags = List.copyOf(extraTags);
    this.listener = listener;
  }

  @Override
  public BlobOutcome putBlob(Descriptor blob, Feed feed, LongConsumer progress) throws IOException {
    BlobOutcome outcome = put(blob, feed, progress);
    store.addOrigin(blob.digest(), here);
    return outcome;
  }

  private BlobOutcome put(Descriptor blob, Feed feed, LongConsumer progress) throws IOException {
    String host = ref.registry();
    if (client.blobExists(host, ref.repository(), blob.digest())) {
      return BlobOutcome.SKIPPED_EXISTS;
    }
    for (BlobOrigin from : mountCandidates(blob)) {
      // Ask before mounting: a registry answers a mount of a blob it lacks with a fresh upload session.
      if (client.blobExists(host, from.repository(), blob.digest())
          && client.mountBlob(host, ref.repository(), blob.digest(), from.repository())) {
        return BlobOutcome.MOUNTED;
      }
    }
    // Asked above: no second HEAD (another writer's upload of the same bytes in between is harmless).
    Optional<GrowingBlob> arriving = feed.stream(blob);
    if (arriving.isPresent()) {
      // Uploaded while it downloads: the registry gets the last byte once the digest is verified.
      GrowingBlob growing = arriving.get();
      try {
        client.uploadBlob(host, ref.repository(), blob, counting(blob.size(), growing::openAt, progress));
      } catch (IOException uploadFailed) {
        IOException downloadFailed = growing.failure(); // then that is the cause worth reporting
        if (downloadFailed == null) {
          throw uploadFailed;
        }
        downloadFailed.addSuppressed(uploadFailed);
        throw downloadFailed;
      }
      growing.await(); // and the store has it, as after every copy
      return BlobOutcome.COPIED;
    }
    Path file = feed.verifiedFile(blob);
    BlobSource plain = BlobSource.of(file);
    client.uploadBlob(host, ref.repository(), blob, counting(plain.size(), plain::openAt, progress));
    return BlobOutcome.COPIED;
  }

  /** Other repositories of the destination registry known to hold {@code blob}, each once. */
  private List<BlobOrigin> mountCandidates(Descriptor blob) throws IOException {
    Set<BlobOrigin> candidates = new LinkedHashSet<>();
    imageOrigin.ifPresent(candidates::add);
    candidates.addAll(store.origins(blob.digest()));
    return candidates.stream()
        .filter(o -> o.registry().equals(here.registry()) && !o.repository().equals(here.repository()))
        .toList();
  }

  @Override
  public void commit(ImageNode root) throws IOException {
    List<ImageNode> order = new ArrayList<>();
    root.forEachBottomUp(order::add);
    for (ImageNode node : order) {
      Descriptor d = node.descriptor();
      if (node == root) {
        continue;
      }
      client.putManifest(ref.registry(), ref.repository(), d.digest().toString(), node.bytes(),
          d.mediaType());
    }
    Digest rootDigest = root.descriptor().digest();
    if (ref.digest() != null && !ref.digest().equals(rootDigest)) {
      throw new IllegalArgumentException("docker://" + ref + " names digest " + ref.digest()
          + " but the image written has digest " + rootDigest + " (picking a platform or converting"
          + " the format changes it); name the destination by tag instead");
    }
    String tagOrDigest = ref.tag() != null ? ref.tag() : rootDigest.toString();
    listener.info("writing manifest " + rootDigest + " to docker://" + ref.name() + ":" + tagOrDigest);
    client.putManifest(ref.registry(), ref.repository(), tagOrDigest, root.bytes(),
        root.descriptor().mediaType());
    for (String tag : extraTags) {
      if (!tag.equals(ref.tag())) {
        // The blobs are there now: another tag is just the same manifest under another name.
        listener.info("tagging " + rootDigest + " as docker://" + ref.name() + ":" + tag);
        client.putManifest(ref.registry(), ref.repository(), tag, root.bytes(),
            root.descriptor().mediaType());
      }
    }
  }

  /** Opens a blob's bytes from an offset. */
  private interface Opener {
    InputStream openAt(long offset) throws IOException;
  }

  /** Bytes to upload (a file, or a blob still arriving), reporting bytes read as progress. */
  private static BlobSource counting(long size, Opener plain, LongConsumer progress) {
    return new BlobSource() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public InputStream open() throws IOException {
        return openAt(0);
      }

      @Override
      public InputStream openAt(long offset) throws IOException {
        return new FilterInputStream(plain.openAt(offset)) {
          private long done = offset;

          @Override
          public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
              progress.accept(++done);
            }
            return b;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
              done += n;
              progress.accept(done);
            }
            return n;
          }
        };
      }
    };
  }
}
