package dev.lading.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.LayerExtractionException;
import dev.lading.layer.LayerExtractor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the extractor fuzz test found, kept as regression tests (the inputs are in
 * {@code src/test/resources/dev/lading/fuzz/findings/}): a FIFO hung extraction, a NUL in a name
 * leaked an unchecked exception, gzip errors outside the entries did not name the layer.
 */
class LayerExtractorFindingsTest {
  @TempDir Path dir;

  /**
   * A FIFO entry blocks {@code apply} for ever: after {@code mknod}, setting the FIFO's mode and
   * times through {@code Files.setAttribute}/{@code setTimes} opens it for reading, which waits for
   * a writer that never comes.
   */
  @Test
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

  /**
   * An entry name with a NUL character (possible in PAX {@code path} records and GNU long names)
   * escapes as an unchecked {@code InvalidPathException} from {@code Path.resolve} instead of a
   * {@link LayerExtractionException}. Hardlink targets ({@code linkpath}) take the same path.
   */
  @Test
  void nulInAnEntryNameIsANamedError() throws IOException {
    Path root = Files.createDirectory(dir.resolve("root"));
    LayerExtractor extractor = LayerExtractor.builder().preserveOwnership(false)
        .ownershipFile(dir.resolve("ownership.json")).build();
    try (InputStream layer = finding("extractor-nul-in-name.tar")) {
      LayerExtractionException e = assertThrows(LayerExtractionException.class,
          () -> extractor.apply(root, layer, "nul"));
      assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }
  }

  /**
   * A gzip stream that fails before the first entry or after the last one escapes as a plain
   * {@code IOException} without the layer's name: {@code decompress} (whose gzip constructor reads
   * the header) and the final read to the end of the blob are outside the code that turns I/O
   * errors into a {@link LayerExtractionException}.
   */
  @ParameterizedTest
  @ValueSource(strings = {"extractor-gzip-reserved-flags.tar.gz", "extractor-gzip-bad-crc.tar.gz"})
  void corruptGzipIsANamedError(String input) throws IOException {
    Path root = Files.createDirectory(dir.resolve("root"));
    LayerExtractor extractor = LayerExtractor.builder().preserveOwnership(false)
        .ownershipFile(dir.resolve("ownership.json")).build();
    try (InputStream layer = finding(input)) {
      LayerExtractionException e = assertThrows(LayerExtractionException.class,
          () -> extractor.apply(root, layer, "gz"));
      assertTrue(e.getMessage().startsWith("layer gz"), e.getMessage());
    }
  }

  private static InputStream finding(String name) throws IOException {
    InputStream in = LayerExtractorFindingsTest.class.getResourceAsStream("findings/" + name);
    if (in == null) {
      throw new IOException("missing test resource findings/" + name);
    }
    return in;
  }
}
