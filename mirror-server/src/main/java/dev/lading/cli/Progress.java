package dev.lading.cli;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.transfer.BlobOutcome;
import dev.lading.transfer.TransferListener;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress on stderr: a line per finished blob, and for long transfers a running total at most every
 * two seconds, so CI logs show movement without drowning in lines. Reports copies, and the blobs a
 * seed or build pulls.
 */
final class Progress implements TransferListener, dev.lading.registry.TransferListener,
    dev.lading.build.BuildListener {
  private static final long INTERVAL_NANOS = 2_000_000_000L;

  private final PrintStream out;
  private final boolean quiet;
  private final Map<Digest, Long> done = new ConcurrentHashMap<>();
  private final Map<Digest, Long> totals = new ConcurrentHashMap<>();
  private final AtomicInteger finished = new AtomicInteger();
  private final AtomicLong lastPrint = new AtomicLong(System.nanoTime());

  Progress(PrintStream out, boolean quiet) {
    this.out = out;
    this.quiet = quiet;
  }

  @Override
  public void blobStarted(Descriptor d) {
    totals.put(d.digest(), d.size());
  }

  @Override
  public void onProgress(Digest blob, long bytesSoFar, long total) {
    done.put(blob, bytesSoFar);
    totals.putIfAbsent(blob, total);
    long now = System.nanoTime();
    long last = lastPrint.get();
    if (!quiet && now - last >= INTERVAL_NANOS && lastPrint.compareAndSet(last, now)) {
      long sum = done.values().stream().mapToLong(Long::longValue).sum();
      long all = totals.values().stream().mapToLong(Long::longValue).sum();
      out.println("  " + Sizes.human(sum) + " of " + Sizes.human(all) + " (" + finished.get() + "/"
          + totals.size() + " blobs done)");
    }
  }

  @Override
  public void blobProgress(Descriptor d, long bytesDone) {
    onProgress(d.digest(), bytesDone, d.size());
  }

  @Override
  public void blobDone(Descriptor d, BlobOutcome outcome) {
    finished.incrementAndGet();
    done.put(d.digest(), d.size());
    if (!quiet) {
      String verb = switch (outcome) {
        case COPIED -> "copied ";
        case SKIPPED_EXISTS -> "exists ";
        case MOUNTED -> "mounted";
      };
      out.println(verb + " " + d.digest().shortHex() + "  " + Sizes.human(d.size()));
    }
  }

  @Override
  public void info(String message) {
    if (!quiet) {
      out.println(message);
    }
  }

  @Override
  public void blobDone(String action, Digest digest, long bytes) {
    finished.incrementAndGet();
    done.put(digest, bytes);
    if (!quiet) {
      out.println(action + " " + digest.shortHex() + "  " + Sizes.human(bytes));
    }
  }

  @Override
  public void warn(String message) {
    out.println("warning: " + message);
  }
}
