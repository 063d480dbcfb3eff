package dev.lading.layer;

import dev.lading.io.Streams;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts bytes and stops at the limit, so a small blob cannot expand without bound. */
final class LimitedInputStream extends FilterInputStream {
  private final long limit;
  private long count;
  private boolean exceeded;

  LimitedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  /** The bytes read so far. */
  long count() {
    return count;
  }

  /** True once a read went past the limit. */
  boolean exceeded() {
    return exceeded;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      count += n;
      if (count > limit) {
        exceeded = true;
        throw new LimitExceeded();
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    return Streams.skipByReading(this, n); // skipped bytes count toward the limit
  }

  /** Thrown by the stream; turned into a clear error by the extractor. */
  static final class LimitExceeded extends IOException {
    LimitExceeded() {
      super("uncompressed size limit exceeded");
    }
  }
}
