package dev.lading.cli;

import dev.lading.digest.Digest;
import dev.lading.store.archive.ArchiveListener;
import java.io.PrintStream;

/** A running total of an export or import, at most every two seconds, so CI logs show movement. */
final class ArchiveProgress implements ArchiveListener {
  private static final long INTERVAL_NANOS = 2_000_000_000L;

  private final PrintStream out;
  private final boolean quiet;
  private final String verb;
  private long lastPrint = System.nanoTime();
  private int blobs;

  ArchiveProgress(PrintStream out, boolean quiet, String verb) {
    this.out = out;
    this.quiet = quiet;
    this.verb = verb;
  }

  @Override
  public void blobDone(Digest blob, long size, long bytesDone, long totalBytes) {
    blobs++;
    long now = System.nanoTime();
    if (!quiet && now - lastPrint >= INTERVAL_NANOS) {
      lastPrint = now;
      out.println("  " + verb + " " + Sizes.human(bytesDone)
          + (totalBytes < 0 ? "" : " of " + Sizes.human(totalBytes)) + " (" + blobs + " blobs)");
    }
  }
}
