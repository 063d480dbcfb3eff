package dev.lading.io;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as people type them for a cap: {@code 500m}, {@code 5g}, {@code 1.5GiB}, {@code 1048576}. */
public final class ByteSize {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)");

  private ByteSize() {}

  /** A size as people read it: {@code 512 B}, {@code 1.5 KiB}, {@code 183.4 MiB}. */
  public static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /**
   * Parses a size; units are binary ({@code 1k} is 1024 bytes, {@code 5g} is 5 GiB), as {@code du -h}
   * and cache services' limits count.
   *
   * @throws IllegalArgumentException naming the accepted forms when {@code text} is not a size
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (write e.g. 500m, 5g, 1.5GiB"
          + " or a number of bytes)");
    }
    int shift = switch (m.group(2).isEmpty() ? 'b' : m.group(2).charAt(0)) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      case 't' -> 40;
      default -> 0;
    };
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too large a size");
    }
    return bytes.longValue();
  }
}
