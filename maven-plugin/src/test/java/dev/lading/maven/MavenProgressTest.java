package dev.lading.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lading.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.Test;

/** The progress lines a user reads in the Maven log during pulls and pushes. */
class MavenProgressTest {
  private final List<String> lines = new ArrayList<>();
  private final MavenProgress progress = new MavenProgress(new SystemStreamLog() {
    @Override
    public void info(CharSequence content) {
      lines.add(content.toString());
    }
  }, "");

  @Test
  void aBigBlobReportsEachQuarterOnceThenTheRunningTotals() {
    Digest big = Digest.of("big".getBytes(StandardCharsets.UTF_8));
    long total = 40L * 1024 * 1024;
    for (long done = 0; done <= total; done += 1024 * 1024) {
      progress.onProgress(big, done, total);
    }
    progress.blobDone("pulled", big, total);
    Digest small = Digest.of("small".getBytes(StandardCharsets.UTF_8));
    progress.onProgress(small, 10, 100);
    progress.blobDone("skipped", small, 100);
    assertEquals(List.of(
        "  " + big.shortHex() + ": 10.0 MiB of 40.0 MiB",
        "  " + big.shortHex() + ": 20.0 MiB of 40.0 MiB",
        "  " + big.shortHex() + ": 30.0 MiB of 40.0 MiB",
        "pulled " + big.shortHex() + " (40.0 MiB); 1 blob done, 40.0 MiB moved",
        "skipped " + small.shortHex() + " (100 B); 2 blobs done, 40.0 MiB moved"), lines);
  }

  @Test
  void sizesReadLikeHumanOnes() {
    assertEquals("1023 B", MavenProgress.human(1023));
    assertEquals("1.5 KiB", MavenProgress.human(1536));
    assertEquals("3.8 MiB", MavenProgress.human(4_000_000));
  }
}
