package dev.lading.maven;

import dev.lading.build.BuildListener;
import dev.lading.digest.Digest;
import dev.lading.registry.TransferListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.maven.plugin.logging.Log;

/**
 * Turns core progress into Maven log lines: one line per finished blob with the running totals,
 * and, for blobs of a few MB or more, a line at each quarter of the transfer.
 */
final class MavenProgress implements BuildListener, TransferListener {
  private static final long BIG = 4L * 1024 * 1024;

  private final Log log;
  private final String prefix;
  private final Map<Digest, Integer> quarters = new ConcurrentHashMap<>();
  private final AtomicInteger blobs = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();

  MavenProgress(Log log, String prefix) {
    this.log = log;
    this.prefix = prefix;
  }

  @Override
  public void info(String message) {
    log.info(prefix + message);
  }

  @Override
  public void warn(String message) {
    log.warn(prefix + message);
  }

  @Override
  public void blobDone(String action, Digest digest, long size) {
    int n = blobs.incrementAndGet();
    long total = action.equals("pushed") || action.equals("pulled") ? bytes.addAndGet(size) : bytes.get();
    log.info(prefix + action + " " + digest.shortHex() + " (" + human(size) + "); " + n
        + (n == 1 ? " blob" : " blobs") + " done, " + human(total) + " moved");
  }

  @Override
  public void onProgress(Digest blob, long bytesSoFar, long total) {
    if (total < BIG) {
      return;
    }
    int quarter = (int) (bytesSoFar * 4 / total);
    Integer before = quarters.put(blob, quarter);
    if (quarter > 0 && quarter < 4 && (before == null || before < quarter)) {
      log.info(prefix + "  " + blob.shortHex() + ": " + human(bytesSoFar) + " of " + human(total));
    }
  }

  /** Moved bytes so far (uploads and downloads). */
  long bytes() {
    return bytes.get();
  }

  static String human(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(java.util.Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    return String.format(java.util.Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
  }
}
