package dev.lading.store;

import dev.lading.io.DaemonThreads;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts the disk writing a blob's final fsync would otherwise do all at once. A download writes into
 * the page cache far faster than the disk takes it, and the fsync before publishing then waited for
 * all of it: 0.3 s for a 65 MB layer, at the end of the copy, with the network idle. Every
 * {@link #INTERVAL} bytes the file is flushed on a background thread while the download goes on, so
 * the fsync at commit only waits for the tail. Durability is unchanged: the commit's own fsync is what
 * counts; a background flush that fails (the file was closed, the disk is full) is ignored, and the
 * commit's fsync reports the error.
 */
final class EarlyWriteback {
  /** Bytes between flushes: large enough that a flush is worth a syscall, small against a layer. */
  static final long INTERVAL = 8L * 1024 * 1024;

  // One thread for all writers: flushes queue behind each other rather than compete for the disk.
  private static final ExecutorService FLUSHER =
      Executors.newSingleThreadExecutor(DaemonThreads.named("lading-writeback"));

  private final FileChannel channel;
  private final AtomicBoolean pending = new AtomicBoolean();
  private long unflushed;

  EarlyWriteback(FileChannel channel) {
    this.channel = channel;
  }

  /** Counts {@code n} bytes handed to the channel; past the interval, queues a flush (one at a time). */
  void wrote(long n) {
    unflushed += n;
    if (unflushed < INTERVAL || !pending.compareAndSet(false, true)) {
      return;
    }
    unflushed = 0;
    FLUSHER.execute(() -> {
      try {
        if (channel.isOpen()) {
          channel.force(false);
        }
      } catch (IOException | RuntimeException ignored) {
        // closed under us or failed: the commit's fsync is the one that must succeed
      } finally {
        pending.set(false);
      }
    });
  }
}
