package dev.lading.transfer;

import dev.lading.io.DaemonThreads;
import dev.lading.io.Futures;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One task per blob on a small pool of daemon threads. The caller may wait for one blob (to unpack
 * layer 1 while later layers still download) or for all; after the first failure no new task starts,
 * and closing stops what is left.
 */
final class ParallelBlobs implements AutoCloseable {
  /** Work on one blob. */
  interface BlobTask {
    void run(Descriptor blob) throws IOException;
  }

  private final ExecutorService pool;
  private final Map<String, Future<?>> tasks = new LinkedHashMap<>();
  private final AtomicBoolean failed = new AtomicBoolean();

  private ParallelBlobs(Collection<Descriptor> blobs, int parallelism, BlobTask task) {
    this.pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, blobs.size())),
        DaemonThreads.named("lading-transfer"));
    for (Descriptor blob : blobs) {
      tasks.computeIfAbsent(blob.digest().toString(), key -> pool.submit(() -> {
        if (!failed.get()) {
          try {
            task.run(blob);
          } catch (IOException | RuntimeException | Error e) {
            failed.set(true);
            throw e;
          }
        }
        return null;
      }));
    }
    pool.shutdown(); // no more tasks; the threads end when the queue is done
  }

  /** Starts {@code task} for every blob (once per digest), at most {@code parallelism} at a time. */
  static ParallelBlobs start(Collection<Descriptor> blobs, int parallelism, BlobTask task) {
    return new ParallelBlobs(blobs, parallelism, task);
  }

  /** Waits for the task of one blob and rethrows its failure. */
  void await(Descriptor blob) throws IOException {
    Future<?> f = tasks.get(blob.digest().toString());
    if (f == null) {
      throw new IllegalArgumentException("no task for " + blob.digest());
    }
    Throwable failure = outcome(f);
    if (failure != null) {
      rethrow(failure);
    }
  }

  /** Waits for every task; rethrows the first failure, with the others suppressed in it. */
  void awaitAll() throws IOException {
    Throwable first = null;
    for (Future<?> f : tasks.values()) {
      Throwable failure = outcome(f);
      if (failure == null) {
        continue;
      }
      if (first == null) {
        first = failure;
      } else if (first != failure) {
        first.addSuppressed(failure);
      }
    }
    if (first != null) {
      rethrow(first);
    }
  }

  private Throwable outcome(Future<?> f) throws InterruptedIOException {
    try {
      f.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed.set(true);
      throw new InterruptedIOException("interrupted while transferring blobs");
    }
  }

  private static void rethrow(Throwable t) throws IOException {
    throw Futures.rethrow(t, "transferring blobs");
  }

  /** Stops tasks not yet started; running ones finish (their writers keep the store consistent). */
  @Override
  public void close() {
    failed.set(true);
  }
}
