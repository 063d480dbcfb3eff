package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.store.BlobWriter;
import dev.lading.store.Lease;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * Writes into an OCI image layout directory, created when missing. The layout is opened as a Lading
 * store, which keeps it a plain OCI layout (skopeo and umoci read it) with only a {@code .lading/}
 * directory added, and gives blob writes and the {@code index.json} update the store's crash safety.
 */
final class LayoutDestination implements Destination {
  /** The ref used when {@code oci:PATH} names none: OCI tools need a name to find an image. */
  static final String DEFAULT_REF = "latest";
  private static final int BUFFER = 64 * 1024;

  private final Store store;
  private final Store target;
  private final String ref;
  private final Lease lease;

  LayoutDestination(Store store, LayoutLocation location, TransferListener listener) throws IOException {
    this.store = store;
    this.target = Store.open(location.path());
    this.ref = location.ref() != null ? location.ref() : DEFAULT_REF;
    if (location.ref() == null) {
      listener.info(location.text() + " names no ref; naming the image '" + DEFAULT_REF + "'");
    }
    this.lease = target.lease();
  }

  @Override
  public BlobOutcome putBlob(Descriptor blob, Feed feed, LongConsumer progress) throws IOException {
    if (target.has(blob.digest())) {
      return BlobOutcome.SKIPPED_EXISTS;
    }
    feed.ensureInStore(blob);
    if (target.has(blob.digest())) {
      return BlobOutcome.COPIED; // the layout is the store itself
    }
    // On one file system the layout shares the store's verified file: no second copy, no second hash.
    if (target.linkBlob(store.blobPath(blob.digest()), blob.digest())) {
      progress.accept(blob.size());
      return BlobOutcome.COPIED;
    }
    try (InputStream in = store.open(blob.digest()); BlobWriter writer = target.writer(blob.digest())) {
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) != -1; ) {
        writer.write(buffer, 0, n);
        progress.accept(writer.position());
      }
      writer.commit();
    }
    return BlobOutcome.COPIED;
  }

  @Override
  public void commit(ImageNode root) throws IOException {
    IOException[] failure = {null};
    root.forEachBottomUp(node -> {
      if (failure[0] == null) {
        try {
          Digest stored = target.put(node.bytes());
          if (!stored.equals(node.descriptor().digest())) {
            throw new IllegalStateException("manifest bytes do not match " + node.descriptor().digest());
          }
        } catch (IOException e) {
          failure[0] = e;
        }
      }
    });
    if (failure[0] != null) {
      throw failure[0];
    }
    target.setRef(ref, Descriptor.of(root.descriptor().mediaType(), root.descriptor().digest(),
        root.descriptor().size()));
  }

  @Override
  public void close() {
    lease.close();
  }
}
