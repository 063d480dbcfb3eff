package dev.lading.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream on a background thread into a small bounded queue of chunks. Extracting a layer is
 * two jobs of about equal cost, inflating gzip and creating files; on a second core they overlap.
 * Errors of the source reach the reader; closing stops the background thread. Chunks are recycled,
 * so a layer of any size is read with the same few buffers and makes no garbage.
 */
final class ReadAheadInputStream extends InputStream {
  private static final int CHUNK = 256 * 1024;
  private static final int CHUNKS = 8;
  private static final Chunk END = new Chunk(0);

  /** A buffer and how much of it holds data. */
  private static final class Chunk {
    final byte[] data;
    int length;

    Chunk(int size) {
      data = new byte[size];
    }
  }

  private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(CHUNKS);
  // Read chunks come back here; at most CHUNKS + 2 ever exist (queued, being read, being filled).
  private final BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS + 2);
  private final Thread reader;
  private volatile IOException failure;
  private volatile boolean closed;
  private Chunk current = new Chunk(0);
  private int position;
  private boolean ended;

  ReadAheadInputStream(InputStream source, String name) {
    this.reader = new Thread(() -> fill(source), "read-ahead " + name);
    reader.setDaemon(true);
    reader.start();
  }

  private void fill(InputStream source) {
    try {
      while (!closed) {
        Chunk chunk = free.poll();
        if (chunk == null) {
          chunk = new Chunk(CHUNK);
        }
        chunk.length = source.readNBytes(chunk.data, 0, CHUNK);
        if (chunk.length == 0) {
          break;
        }
        if (!offer(chunk)) {
          return;
        }
      }
    } catch (IOException e) {
      failure = e;
    } catch (RuntimeException e) {
      failure = new IOException(e.getMessage(), e);
    }
    offer(END);
  }

  /** Hands a chunk to the reader, giving up when the reader has closed the stream. */
  private boolean offer(Chunk chunk) {
    try {
      while (!closed) {
        if (queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private boolean next() throws IOException {
    if (ended) {
      return false;
    }
    if (position < current.length) {
      return true;
    }
    if (current != END && current.length > 0) {
      free.offer(current);
    }
    try {
      current = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading a layer");
    }
    position = 0;
    if (current == END) {
      ended = true;
      if (failure != null) {
        throw failure;
      }
      return false;
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return next() ? current.data[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!next()) {
      return -1;
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current.data, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n && next()) {
      int step = (int) Math.min(n - skipped, current.length - position);
      position += step;
      skipped += step;
    }
    return skipped;
  }

  @Override
  public int available() {
    return ended ? 0 : current.length - position;
  }

  @Override
  public void close() {
    closed = true;
    queue.clear();
    free.clear();
    current = new Chunk(0);
    ended = true;
    reader.interrupt();
  }

  @Override
  public String toString() {
    return "ReadAheadInputStream" + Arrays.toString(new int[] {queue.size()});
  }
}
