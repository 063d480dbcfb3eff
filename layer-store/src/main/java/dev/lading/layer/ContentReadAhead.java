package dev.lading.layer;

import dev.lading.io.DaemonThreads;
import dev.lading.io.Futures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads the files of a layer's entries ahead of the tar writer, on other cores. A RUN step that
 * makes 20,000 small files spends most of its layer writing in stat, open, read and close, one file
 * after another; here those run on a pool while the writer formats headers and the gzip compresses.
 *
 * <p>Files are handed out in the order they were given, each as read once: its size from the
 * {@code lstat} and, for a small file, its bytes, which must be exactly that many (a file that
 * changes size while the layer is written fails it, as when streaming). Larger files are only
 * stat'ed here and streamed by the writer. At most {@link #WINDOW} files of at most
 * {@link #SMALL_MAX} bytes each are held, so memory stays bounded whatever the layer.
 */
final class ContentReadAhead implements AutoCloseable {
  static final int SMALL_MAX = 256 * 1024;
  static final int WINDOW = 64;
  private static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private static final class Pool {
    static final ExecutorService INSTANCE =
        Executors.newFixedThreadPool(THREADS, DaemonThreads.named("lading-read-ahead"));
  }

  /** A file as read ahead: its size, and its bytes when it is small (else null: stream it). */
  record Read(long size, byte[] bytes) {}

  private final List<LayerEntry> files;
  private final ArrayDeque<Future<Read>> pending = new ArrayDeque<>();
  private int submitted;
  private int taken;

  /** Read-ahead over the regular files read from paths among {@code entries}, in their order. */
  ContentReadAhead(List<LayerEntry> entries) {
    List<LayerEntry> fromPaths = new ArrayList<>();
    for (LayerEntry e : entries) {
      if (readsAhead(e)) {
        fromPaths.add(e);
      }
    }
    this.files = fromPaths;
    fill();
  }

  /** Whether {@link #take} must be called for this entry when its turn comes. */
  static boolean readsAhead(LayerEntry entry) {
    return entry.type() == LayerEntry.Type.FILE && entry.content() instanceof LayerEntry.Content.OfPath;
  }

  /** The next file, which must be {@code entry}; waits for it if it is still being read. */
  Read take(LayerEntry entry) throws IOException {
    if (taken >= files.size() || files.get(taken) != entry) {
      throw new IllegalStateException("files taken out of order at " + entry.path());
    }
    Future<Read> next = pending.removeFirst();
    taken++;
    fill();
    return Futures.await(next, "reading " + entry.path());
  }

  private void fill() {
    while (submitted < files.size() && pending.size() < WINDOW) {
      LayerEntry entry = files.get(submitted++);
      Path source = ((LayerEntry.Content.OfPath) entry.content()).source();
      pending.addLast(Pool.INSTANCE.submit(() -> read(entry.path(), source)));
    }
  }

  private static Read read(String path, Path source) throws IOException {
    BasicFileAttributes attributes =
        Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attributes.isRegularFile()) {
      // Checked before opening: opening a FIFO would block.
      throw new IOException(source + " is not a regular file (symlinks are added as symlink entries)");
    }
    long size = attributes.size();
    if (size > SMALL_MAX) {
      return new Read(size, null);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
      bytes = in.readNBytes((int) size + 1);
    }
    if (bytes.length != size) {
      throw ReproducibleLayer.changedSize(path, size);
    }
    return new Read(size, bytes);
  }

  /** Stops reading what nobody will take (the layer failed). */
  @Override
  public void close() {
    for (Future<Read> f : pending) {
      f.cancel(false);
    }
    pending.clear();
  }
}
