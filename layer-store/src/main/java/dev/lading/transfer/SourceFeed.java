package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.InvalidImageException;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** How a copy's destinations get a blob's bytes from its source: into the store, or read in place. */
final class SourceFeed implements Destination.Feed {
  private final Store store;
  private final ImageSource src;
  private final ImageLocation source;
  private final TransferListener listener;
  final AtomicInteger fetched = new AtomicInteger();
  final AtomicLong bytesFetched = new AtomicLong();

  SourceFeed(Store store, ImageSource src, ImageLocation source, TransferListener listener) {
    this.store = store;
    this.src = src;
    this.source = source;
    this.listener = listener;
  }

  @Override
  public boolean ensureInStore(Descriptor blob) throws IOException {
    boolean moved = src.fetchInto(store, blob, done -> listener.blobProgress(blob, done));
    if (moved) {
      fetched.incrementAndGet();
      bytesFetched.addAndGet(blob.size());
    }
    return moved;
  }

  @Override
  public Path verifiedFile(Descriptor blob) throws IOException {
    if (!store.has(blob.digest())) {
      Optional<Path> local = src.localBlob(blob);
      if (local.isPresent()) {
        // Hashed once here rather than while copying into the store: no write, no fsync, no copy.
        return verifiedFile(local.get(), blob, source);
      }
      ensureInStore(blob);
    }
    return store.blobPath(blob.digest());
  }

  /** {@code file} when it holds exactly {@code blob}'s bytes (read once to hash them), else throws. */
  static Path verifiedFile(Path file, Descriptor blob, ImageLocation source) throws IOException {
    long size = Files.size(file);
    Digest actual = Digest.of(file);
    if (size != blob.size() || !actual.equals(blob.digest())) {
      throw new InvalidImageException(source.text() + ": blob " + blob.digest() + " (" + blob.size()
          + " bytes) has content " + actual + " (" + size + " bytes) in " + file
          + "; the source is corrupt, copy the image into it again");
    }
    return file;
  }
}
