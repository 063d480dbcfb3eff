package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.layer.HostileLayers.Case;
import dev.lading.layer.HostileLayers.Layer;
import dev.lading.layer.HostileLayers.Outcome;
import dev.lading.model.MediaTypes;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The hand-made corpus holds what its names say, as GNU tar reads it: the byte-level cases carry the
 * hostile names in the records they claim to, and the broken blobs are broken.
 */
class HostileLayersTest {
  private static final Path VICTIM = Path.of("/tmp/parent/victim");

  @Test
  void casesAreUniqueAndSayWhatTheyExpect() {
    Set<String> names = new HashSet<>();
    for (Case c : HostileLayers.cases(VICTIM)) {
      assertTrue(names.add(c.name()), "duplicate case " + c);
      assertTrue(!c.layers().isEmpty(), c.name());
      assertEquals(c.outcome() != Outcome.REFUSED, c.tree() != null, c + ": a tree exactly when it may extract");
    }
  }

  @Test
  void gnuLongNamesAndPaxPathsCarryTheHostileName() throws Exception {
    String tail = "/pwned-" + "l".repeat(120);
    assertEquals(List.of("../victim" + tail), gnuTarNames("gnu-longname-dotdot"));
    assertEquals(List.of("/tmp/parent/victim" + tail), gnuTarNames("gnu-longname-absolute"));
    assertEquals(List.of("../victim/pwned"), gnuTarNames("pax-path-dotdot"));
    assertEquals(List.of("/tmp/parent/victim/pwned"), gnuTarNames("pax-path-absolute"));
  }

  @Test
  void linkTargetsComeFromTheLongRecords() throws Exception {
    String verbose = gnuTar(only("gnu-longlink-hardlink-outside"), "-tvf", "-");
    assertTrue(verbose.contains("link link to " + "../".repeat(40) + "victim/secret"), verbose);
    verbose = gnuTar(only("pax-linkpath-symlink-outside"), "-tvf", "-");
    assertTrue(verbose.contains("evil -> /tmp/parent/victim"), verbose);
  }

  @Test
  void nonUtf8NamesAreRawBytes() throws Exception {
    byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(ExpectedTree.escape(latin1) + "\n",
        ExpectedTree.escape(gnuTarBytes(only("non-utf8-ustar-name"), "-tf", "-")).replace("\\x0a", "\n"));
    assertEquals(ExpectedTree.escape(latin1) + "-pax\n", ExpectedTree.escape(
        gnuTarBytes(only("non-utf8-pax-hdrcharset-binary"), "-tf", "-")).replace("\\x0a", "\n"));
  }

  @Test
  void brokenBlobsAreBroken() throws Exception {
    for (String name : List.of("truncated-gzip", "corrupt-gzip-crc", "garbage-instead-of-gzip")) {
      assertNotEquals(0, run(layer(name).blob(), "gzip", "-t"), name + " must fail gzip -t");
    }
    Layer tar = layer("truncated-tar");
    assertEquals(MediaTypes.OCI_LAYER_TAR, tar.mediaType());
    assertNotEquals(0, run(tar.blob(), "tar", "-tf", "-"), "truncated-tar must fail tar -t");
    assertNotEquals(0, run(layer("tar-header-checksum").blob(), "tar", "-tf", "-"),
        "tar-header-checksum must fail tar -t");
  }

  @Test
  void theBombExpandsFarBeyondItsLimit() throws IOException {
    Layer bomb = layer("gzip-bomb");
    long expanded;
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bomb.blob()))) {
      expanded = in.transferTo(OutputStream.nullOutputStream());
    }
    assertTrue(expanded > 16 * HostileLayers.BOMB_LIMIT, "expands to " + expanded);
    assertTrue(bomb.blob().length < HostileLayers.BOMB_LIMIT, "compressed " + bomb.blob().length);
  }

  @Test
  void theLayoutNamesEveryBlobByItsDigest() throws IOException {
    Path dir = Files.createTempDirectory("hostile-layout");
    try {
      only("symlink-replaces-directory-of-earlier-layer").writeLayout(dir, "hostile");
      try (var blobs = Files.list(dir.resolve("blobs/sha256"))) {
        for (Path blob : (Iterable<Path>) blobs::iterator) {
          assertEquals(blob.getFileName().toString(), Digest.of(blob).hex());
        }
      }
      assertTrue(Files.readString(dir.resolve("index.json")).contains("\"hostile\""));
    } finally {
      dev.lading.testing.TestFiles.deleteRecursively(dir);
    }
  }

  private static Case only(String name) {
    return HostileLayers.named(name, VICTIM);
  }

  private static Layer layer(String name) {
    return only(name).layers().get(0);
  }

  private static List<String> gnuTarNames(String name) throws Exception {
    return List.of(gnuTar(only(name), "-tf", "-").split("\n"));
  }

  private static String gnuTar(Case c, String... args) throws Exception {
    return new String(gnuTarBytes(c, args), StandardCharsets.UTF_8);
  }

  /** GNU tar's listing of the case's first layer, names as raw bytes. */
  private static byte[] gnuTarBytes(Case c, String... args) throws Exception {
    RequiredTool.require("tar", "tar");
    byte[] tar;
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(c.layers().get(0).blob()))) {
      tar = in.readAllBytes();
    }
    List<String> command = new java.util.ArrayList<>(List.of("tar", "--quoting-style=literal", "--absolute-names"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write(tar);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), c + ": GNU tar failed");
    return out.toByteArray();
  }

  /** The exit code of {@code command} reading {@code input}; its output is discarded. */
  private static int run(byte[] input, String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write(input);
    } catch (IOException e) {
      // the tool may stop reading at the damage
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return p.exitValue();
  }
}
