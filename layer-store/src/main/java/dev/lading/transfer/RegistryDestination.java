package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.registry.BlobSource;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Pushes to a registry. A blob the repository has is skipped; one that another repository of the same
 * registry has (the image's origin) is mounted from there, so no bytes pass through us; anything else
 * is uploaded from the store. Manifests go last, children before the index that lists them.
 */
final class RegistryDestination implements Destination {
  private final RegistryClient client;
  private final Store store;
  private final ImageReference ref;
  private final Optional<String> mountFrom;
  private final TransferListener listener;

  RegistryDestination(RegistryClient client, Store store, ImageReference ref,
      Optional<ImageReference> origin, TransferListener listener) {
    this.client = client;
    this.store = store;
    this.ref = ref;
    this.listener = listener;
    this.mountFrom = origin
        .filter(o -> o.registry().equals(ref.registry()) && !o.repository().equals(ref.repository()))
        .map(ImageReference::repository);
  }

  @Override
  public BlobOutcome putBlob(Descriptor blob, Feed feed, LongConsumer progress) throws IOException {
    String host = ref.registry();
    if (client.blobExists(host, ref.repository(), blob.digest())) {
      return BlobOutcome.SKIPPED_EXISTS;
    }
    // Ask before mounting: a registry answers a mount of a blob it lacks with a fresh upload session.
    if (mountFrom.isPresent() && client.blobExists(host, mountFrom.get(), blob.digest())
        && client.mountBlob(host, ref.repository(), blob.digest(), mountFrom.get())) {
      return BlobOutcome.MOUNTED;
    }
    feed.ensureInStore(blob);
    Path file = store.blobPath(blob.digest());
    boolean uploaded = client.pushBlob(host, ref.repository(), blob, counting(file, progress));
    return uploaded ? BlobOutcome.COPIED : BlobOutcome.SKIPPED_EXISTS;
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
  }

  /** The store file as an upload source, reporting bytes read as progress. */
  private static BlobSource counting(Path file, LongConsumer progress) {
    BlobSource plain = BlobSource.of(file);
    return new BlobSource() {
      @Override
      public long size() throws IOException {
        return plain.size();
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
