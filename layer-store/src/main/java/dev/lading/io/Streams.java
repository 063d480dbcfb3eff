package dev.lading.io;

import java.io.IOException;
import java.io.InputStream;

/** Stream helpers. */
public final class Streams {
  private Streams() {}

  /**
   * Skips up to {@code n} bytes by reading them through {@code in}'s own {@code read}, for filter
   * streams that must see every byte (to hash or count it) rather than let the source skip ahead.
   *
   * @return the number of bytes skipped (less than {@code n} only at the end of the stream)
   */
  public static long skipByReading(InputStream in, long n) throws IOException {
    byte[] buffer = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int r = in.read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }
}
