package dev.lading.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.LayerExtractor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reproducers of what the extractor fuzz test found, kept until {@code LayerExtractor} is fixed; the
 * inputs are in {@code src/test/resources/dev/lading/fuzz/findings/}. Once a test passes, drop its
 * {@code @Disabled} and move the input into {@code LayerExtractorFuzzTestInputs/applyLayer/}.
 */
class LayerExtractorFindingsTest {
  @TempDir Path dir;

  /**
   * A FIFO entry blocks {@code apply} for ever: after {@code mknod}, setting the FIFO's mode and
   * times through {@code Files.setAttribute}/{@code setTimes} opens it for reading, which waits for
   * a writer that never comes.
   */
  @Test
  @Disabled("finding of LayerExtractorFuzzTest: a FIFO entry hangs LayerExtractor.apply")
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void fifoEntryDoesNotHang() throws IOException {
    Path root = Files.createDirectory(dir.resolve("root"));
    LayerExtractor extractor = LayerExtractor.builder().preserveOwnership(false)
        .ownershipFile(dir.resolve("ownership.json")).build();
    try (InputStream layer = finding("extractor-fifo-hangs.tar")) {
      extractor.apply(root, layer, "fifo");
    }
    assertTrue(Files.exists(root.resolve("fifo")));
  }

  private static InputStream finding(String name) throws IOException {
    InputStream in = LayerExtractorFindingsTest.class.getResourceAsStream("findings/" + name);
    if (in == null) {
      throw new IOException("missing test resource findings/" + name);
    }
    return in;
  }
}
