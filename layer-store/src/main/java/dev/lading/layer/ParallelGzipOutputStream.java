package dev.lading.layer;

import dev.lading.io.DaemonThreads;
import dev.lading.io.Futures;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A single-member gzip stream whose deflate work runs on several cores, and whose bytes do not
 * depend on how many: the input is cut into fixed 1 MiB blocks, each compressed on its own with the
 * previous block's last 32 KiB as its dictionary and ended with a sync flush, as pigz and pgzip (which
 * containers/image uses to push layers) do. Any gzip reader reads it; it is a little larger than one
 * sequential deflate stream (the blocks cannot share matches beyond 32 KiB, and each flush adds an
 * empty stored block), and on a 2-core machine about half the wall time.
 *
 * <p>The header is fixed (mtime 0, no name, OS byte 255) so the bytes depend only on the input, the
 * level and zlib. Blocks in flight are bounded, so memory stays a few MiB whatever the input.
 * {@link #flush()} never ends a block early (that would make the bytes depend on the caller's flushes);
 * {@link #close()} writes the last block and the trailer and closes the underlying stream.
 */
public final class ParallelGzipOutputStream extends OutputStream {
  static final int BLOCK_SIZE = 1 << 20;
  private static final int DICTIONARY_SIZE = 32 * 1024;
  private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

  /** Shared by every stream: compression is CPU work, so more threads than cores would only queue. */
  private static final class Pool {
    static final ExecutorService INSTANCE = Executors.newFixedThreadPool(THREADS, DaemonThreads.named("lading-gzip"));
  }

  private final OutputStream out;
  private final int level;
  private final Executor executor;
  private final int maxInFlight;
  private final ArrayDeque<CompletableFuture<byte[]>> inFlight = new ArrayDeque<>();
  private final ConcurrentLinkedQueue<Deflater> deflaters = new ConcurrentLinkedQueue<>();
  // Input blocks whose compression is done, for reuse: a layer of 100 MB would otherwise allocate
  // a hundred 1 MiB arrays for the collector.
  private final ConcurrentLinkedQueue<byte[]> spareBlocks = new ConcurrentLinkedQueue<>();
  private final CRC32 crc = new CRC32();
  private final byte[] one = new byte[1];
  private long size;
  private byte[] block = new byte[BLOCK_SIZE];
  private int filled;
  private byte[] dictionary; // the last DICTIONARY_SIZE bytes before the current block, or null
  private boolean headerWritten;
  private boolean closed;

  /** Compresses at {@code level} (0 to 9, or {@link Deflater#DEFAULT_COMPRESSION}) on all cores. */
  public ParallelGzipOutputStream(OutputStream out, int level) {
    this(out, level, THREADS == 1 ? Runnable::run : Pool.INSTANCE, THREADS);
  }

  /** For tests: the executor and how many blocks it may hold at once do not change the bytes. */
  ParallelGzipOutputStream(OutputStream out, int level, Executor executor, int threads) {
    if (level != Deflater.DEFAULT_COMPRESSION && (level < 0 || level > 9)) {
      throw new IllegalArgumentException("compression level must be 0..9 or -1 (default), not " + level);
    }
    this.out = Objects.requireNonNull(out, "out");
    this.level = level;
    this.executor = Objects.requireNonNull(executor, "executor");
    this.maxInFlight = 2 * Math.max(1, threads) + 1;
  }

  @Override
  public void write(int b) throws IOException {
    one[0] = (byte) b;
    write(one, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    crc.update(b, off, len);
    size += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK_SIZE - filled);
      System.arraycopy(b, off, block, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == BLOCK_SIZE) {
        submit(false);
      }
    }
  }

  /** Writes the blocks already compressed; never ends the current block early. */
  @Override
  public void flush() throws IOException {
    ensureOpen();
    drain(false);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (out) {
      submit(true); // the last block, possibly empty, ends the deflate stream
      drain(true);
      byte[] trailer = new byte[8];
      putIntLe(trailer, 0, (int) crc.getValue());
      putIntLe(trailer, 4, (int) size); // ISIZE is the length modulo 2^32
      out.write(trailer);
    } finally {
      abandon();
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("gzip stream is closed");
    }
  }

  private void submit(boolean last) throws IOException {
    byte[] input = block;
    int length = filled;
    byte[] dict = dictionary;
    if (!last) {
      dictionary = Arrays.copyOfRange(input, length - DICTIONARY_SIZE, length);
      byte[] spare = spareBlocks.poll();
      block = spare != null ? spare : new byte[BLOCK_SIZE]; // the task still reads the old one
      filled = 0;
    }
    CompletableFuture<byte[]> compressed = new CompletableFuture<>();
    inFlight.add(compressed);
    try {
      executor.execute(() -> {
        try {
          byte[] bytes = deflate(input, length, dict, last);
          if (input.length == BLOCK_SIZE) {
            spareBlocks.offer(input); // before completing: the writer may already want a block
          }
          compressed.complete(bytes);
        } catch (Throwable e) {
          compressed.completeExceptionally(e);
        }
      });
    } catch (RuntimeException e) { // a shut-down or saturated executor
      compressed.completeExceptionally(e);
    }
    drain(inFlight.size() >= maxInFlight);
  }

  /**
   * Writes finished blocks in order. With {@code wait}, also waits: for every block once closed, else
   * until fewer than the allowed number are in flight.
   */
  private void drain(boolean wait) throws IOException {
    while (!inFlight.isEmpty()) {
      CompletableFuture<byte[]> head = inFlight.peek();
      if (!head.isDone() && !(wait && (closed || inFlight.size() >= maxInFlight))) {
        return;
      }
      byte[] bytes = Futures.await(head, "compressing");
      inFlight.poll();
      if (!headerWritten) {
        out.write(header());
        headerWritten = true;
      }
      out.write(bytes);
    }
  }

  private byte[] deflate(byte[] input, int length, byte[] dict, boolean last) {
    Deflater deflater = deflaters.poll();
    if (deflater == null) {
      deflater = new Deflater(level, true);
    }
    try {
      if (dict != null) {
        deflater.setDictionary(dict);
      }
      deflater.setInput(input, 0, length);
      if (last) {
        deflater.finish();
      }
      // deflateBound-like room, so one call almost always does it.
      byte[] output = new byte[length + (length >> 8) + 64];
      int written = 0;
      while (true) {
        if (written == output.length) {
          output = Arrays.copyOf(output, output.length * 2);
        }
        written += last
            ? deflater.deflate(output, written, output.length - written)
            : deflater.deflate(output, written, output.length - written, Deflater.SYNC_FLUSH);
        boolean done = last ? deflater.finished() : written < output.length && deflater.needsInput();
        if (done) {
          return Arrays.copyOf(output, written);
        }
      }
    } finally {
      // Back in the pool before the block's future completes, so abandon() frees every deflater.
      deflater.reset();
      deflaters.add(deflater);
    }
  }

  /** Waits for blocks still being compressed (they use our deflaters), then frees the deflaters. */
  private void abandon() {
    for (CompletableFuture<byte[]> f : inFlight) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException ignored) {
        // already reported, or irrelevant once the stream failed
      }
    }
    inFlight.clear();
    Deflater d;
    while ((d = deflaters.poll()) != null) {
      d.end();
    }
  }

  private byte[] header() {
    int xfl = switch (level) {
      case Deflater.BEST_COMPRESSION -> 2;
      case Deflater.BEST_SPEED -> 4;
      default -> 0;
    };
    // magic, deflate, no flags, mtime 0, extra flags, OS "unknown"
    return new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, (byte) xfl, (byte) 255};
  }

  private static void putIntLe(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }
}
