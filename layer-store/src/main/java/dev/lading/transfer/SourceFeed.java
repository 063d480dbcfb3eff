package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.io.DaemonThreads;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.model.InvalidImageException;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a copy's destinations get a blob's bytes from its source: into the store, read in place, or
 * streamed while they arrive. Close it to stop taking new streamed downloads.
 */
final class SourceFeed implements Destination.Feed, AutoCloseable {
  private final Store store;
  private final ImageSource src;
  private final ImageLocation source;
  private final TransferListener listener;
  final AtomicInteger fetched = new AtomicInteger();
  final AtomicLong bytesFetched = new AtomicLong();
  /** Threads of streamed downloads, made on first use: most copies never stream. */
  private ExecutorService downloads;

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

  @Override
  public Optional<GrowingBlob> stream(Descriptor blob) throws IOException {
    Optional<GrowingBlob.Download> download = store.has(blob.digest()) ? Optional.empty()
        : src.streamed(blob);
    if (download.isEmpty()) {
      return Optional.empty();
    }
    GrowingBlob growing = GrowingBlob.create(store, blob, source.text());
    downloadThreads().execute(() -> {
      try {
        growing.fill(download.get());
        fetched.incrementAndGet();
        bytesFetched.addAndGet(blob.size());
        src.origin().ifPresent(ref -> recordOrigin(blob, ref));
      } catch (IOException | RuntimeException e) {
        // The blob's readers get the failure from it.
      }
    });
    return Optional.of(growing);
  }

  private void recordOrigin(Descriptor blob, ImageReference ref) {
    try {
      store.addOrigin(blob.digest(), new BlobOrigin(ref.registry(), ref.repository()));
    } catch (IOException e) {
      // Only a hint for later mounts and fetches.
    }
  }

  private synchronized ExecutorService downloadThreads() {
    if (downloads == null) {
      downloads = Executors.newCachedThreadPool(DaemonThreads.named("lading-download"));
    }
    return downloads;
  }

  @Override
  public synchronized void close() {
    if (downloads != null) {
      downloads.shutdown(); // a download under way finishes into the store
    }
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
