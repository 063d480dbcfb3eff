package dev.lading.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work done on another thread, with its failure rethrown as this thread's. */
public final class Futures {
  private Futures() {}

  /**
   * The result of {@code future}; its I/O, runtime or error failure as it was thrown (an
   * UncheckedIOException unwrapped), anything else wrapped.
   *
   * @param doing what the work is, for messages: "building the layers"
   */
  public static <T> T await(Future<T> future, String doing) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while " + doing);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause(), doing);
    }
  }

  /**
   * Throws what another thread's work failed with, as {@link #await} does; declared to return an
   * exception so that callers can write {@code throw rethrow(...)}.
   */
  public static IOException rethrow(Throwable cause, String doing) throws IOException {
    if (cause instanceof UncheckedIOException u) {
      throw u.getCause();
    }
    if (cause instanceof IOException io) {
      throw io;
    }
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    throw new IOException(doing + " failed: " + cause, cause);
  }
}
