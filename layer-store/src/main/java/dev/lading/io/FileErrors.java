package dev.lading.io;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * File errors in words a user can act on. Java's message for the commonest ones is only the path
 * ({@code AccessDeniedException: /ctx/src/x}), which reads like a file name, not a failure.
 */
public final class FileErrors {
  private FileErrors() {}

  /**
   * {@code "permission denied: PATH"} and {@code "no such file: PATH"} for those two errors, else the
   * message of the first cause with one of its own (plus a hint when a file name does not fit the
   * JVM's encoding), else the class's simple name.
   */
  public static String describe(Throwable e) {
    Throwable t = saying(e);
    if (t == null) {
      return e.getClass().getSimpleName();
    }
    if (t instanceof AccessDeniedException) {
      return "permission denied: " + t.getMessage();
    }
    if (t instanceof NoSuchFileException missing) {
      return "no such file: " + (missing.getFile() != null ? missing.getFile() : t.getMessage());
    }
    return t.getMessage() + FileNameEncoding.hint(t);
  }

  /**
   * The first of {@code e} and its causes with a message of its own (a wrapper made as
   * {@code new X(cause)} only repeats its cause's), or null.
   */
  public static Throwable saying(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && !(t.getCause() != null && t.getCause().toString().equals(m))) {
        return t;
      }
    }
    return null;
  }
}
