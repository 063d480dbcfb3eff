package dev.lading.io;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;

/**
 * Java names files with the character set of the locale the JVM started in ({@code sun.jnu.encoding}),
 * so under the POSIX locale (a CI container with no {@code LANG}) a name such as {@code dür} can be
 * neither read nor made, and the JVM's words for that ("Malformed input or input contains
 * unmappable characters") say nothing of the cause. This says what to do.
 */
public final class FileNameEncoding {
  private FileNameEncoding() {}

  /** The advice for {@code failure} when it (or a cause) is such a file name, else "". */
  public static String hint(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InvalidPathException && !isUtf8()) {
        return " (file names here are read as " + System.getProperty("sun.jnu.encoding")
            + ", the locale's character set; start it with a UTF-8 locale: export LC_ALL=C.UTF-8)";
      }
    }
    return "";
  }

  private static boolean isUtf8() {
    String name = System.getProperty("sun.jnu.encoding");
    try {
      return name != null && Charset.forName(name).equals(StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
