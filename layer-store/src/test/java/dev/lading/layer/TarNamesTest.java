package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tar names are bytes: layers written by GNU tar in each of its formats, with names that are UTF-8
 * and names that are not, are extracted byte for byte or refused by name; never renamed.
 */
class TarNamesTest {
  /** A name longer than ustar's 100 bytes, so that GNU and PAX formats need their long-name records. */
  private static final String LONG = "d/" + "x".repeat(120);
  private static final boolean UTF8_FILE_NAMES =
      "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));

  @TempDir Path tmp;
  private Path src;
  private Path root;

  @BeforeEach
  void setUp() throws IOException {
    src = Files.createDirectory(tmp.resolve("src"));
    root = Files.createDirectory(tmp.resolve("rootfs"));
  }

  /** Creates files in src by shell printf escapes (Java cannot name a file with invalid bytes). */
  private void touch(String... printfNames) throws IOException {
    StringBuilder script = new StringBuilder("cd \"$1\" && mkdir -p d");
    for (String name : printfNames) {
      script.append(" && touch \"$(printf '").append(name).append("')\"");
    }
    Processes.check(List.of("sh", "-c", script.toString(), "sh", src.toString()), 30);
  }

  private Path gnuTar(String format) throws IOException {
    Path layer = tmp.resolve(format + ".tar");
    Processes.check(List.of("tar", "--format=" + format, "-C", src.toString(), "-cf", layer.toString(),
        "."), 30);
    return layer;
  }

  private LayerExtractor extractor() {
    return LayerExtractor.builder().preserveOwnership(false).build();
  }

  private List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ustar", "gnu", "pax"})
  void utf8NamesAreWrittenByteForByte(String format) throws IOException {
    touch("caf\\303\\251", "d/\\346\\227\\245\\346\\234\\254", "d/" + "x".repeat(97) + "\\303\\251");
    if (format.equals("ustar")) {
      // ustar holds 100 bytes at most; the long name is for the other formats.
      Files.delete(src.resolve("d/" + "x".repeat(97) + "é"));
    }
    Path layer = gnuTar(format);
    if (!UTF8_FILE_NAMES) {
      LayerExtractionException e = assertThrows(LayerExtractionException.class,
          () -> extractor().apply(root, layer));
      assertTrue(e.getMessage().contains("LC_ALL=C.UTF-8"), e.getMessage());
      return;
    }
    extractor().apply(root, layer);
    assertEquals(names(src), names(root));
    assertTrue(Files.exists(root.resolve("café")));
    assertTrue(Files.exists(root.resolve("d/日本")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ustar", "gnu", "pax"})
  void aNameThatIsNotUtf8IsRefusedByItsEscapedBytes(String format) throws IOException {
    touch("plain", "caf\\351");
    Path layer = gnuTar(format);
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> extractor().apply(root, layer));
    assertTrue(e.getMessage().contains("caf\\xe9"), e.getMessage());
    assertTrue(e.getMessage().contains("not valid UTF-8") || e.getMessage().contains("U+FFFD"),
        e.getMessage());
    assertTrue(e.getMessage().contains(format + ".tar"), "names the layer: " + e.getMessage());
    try (Stream<Path> s = Files.walk(root)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("caf")),
          "nothing under another name");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gnu", "pax"})
  void aLongNameThatIsNotUtf8IsRefusedToo(String format) throws IOException {
    touch(LONG + "\\377");
    Path layer = gnuTar(format);
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> extractor().apply(root, layer));
    assertTrue(e.getMessage().contains("x\\xff"), e.getMessage());
  }

  @Test
  void aSymlinkTargetThatIsNotUtf8IsRefused() throws IOException {
    Processes.check(List.of("sh", "-c", "cd \"$1\" && ln -s \"$(printf 'caf\\351')\" link", "sh",
        src.toString()), 30);
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> extractor().apply(root, gnuTar("pax")));
    assertTrue(e.getMessage().contains("caf\\xe9"), e.getMessage());
  }

  @Test
  void theLayerWriterRefusesANameItCannotWriteExactly() throws IOException {
    touch("ok", "caf\\351");
    IOException e = assertThrows(IOException.class,
        () -> LayerEntries.fromDirectory(src, "/app", LayerEntries.DirectoryOptions.DEFAULTS));
    assertTrue(e.getMessage().contains("caf%E9") || e.getMessage().contains("caf\\xe9"), e.getMessage());
  }

  @Test
  void escapingShowsPrintableAsciiAndHexForTheRest() {
    assertEquals("a b\\x5c\\x00\\xff", ExactNameTarInputStream.escape(
        new byte[] {'a', ' ', 'b', '\\', 0, (byte) 0xff}));
    assertEquals("caf\u00e9", ExactNameTarInputStream.decode(
        "caf\u00e9".getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
  }
}
