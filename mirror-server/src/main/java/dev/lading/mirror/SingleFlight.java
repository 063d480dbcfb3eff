package dev.lading.mirror;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Work done once per key at a time: a request for a key whose work is running waits for it and
 * shares its outcome, so N requests for one missing manifest (or one referrers list) cause one
 * upstream request.
 */
final class SingleFlight {
  private final Map<String, CompletableFuture<Object>> flights = new ConcurrentHashMap<>();

  /** Work that may fail with an IOException. */
  interface Work<T> {
    T run() throws IOException;
  }

  /** Runs {@code work} unless the same {@code key} is running: then waits for it instead. */
  @SuppressWarnings("unchecked")
  <T> T once(String key, Work<T> work) throws IOException {
    CompletableFuture<Object> mine = new CompletableFuture<>();
    CompletableFuture<Object> theirs = flights.putIfAbsent(key, mine);
    if (theirs == null) {
      try {
        mine.complete(work.run());
      } catch (IOException | RuntimeException | Error e) {
        mine.completeExceptionally(e);
      } finally {
        flights.remove(key, mine);
      }
      theirs = mine;
    }
    try {
      return (T) theirs.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for " + key);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        // Wrapped per request: the same exception object reaches every waiting thread.
        throw new IOException(io.getMessage(), io);
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new UncheckedIOException(new IOException(cause));
    }
  }
}
