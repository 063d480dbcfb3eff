package dev.lading.layer;

import static dev.lading.layer.TestTars.tar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.AttackCorpus.Attack;
import dev.lading.layer.AttackCorpus.Sandbox;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each hostile layer is refused or contained by {@link LayerExtractor}; the outside sentinel never changes. */
class LayerExtractorSecurityTest {
  @TempDir Path tmp;
  private Sandbox sandbox;
  private Map<String, String> before;
  private LayerExtractor extractor;

  @BeforeEach
  void setUp() throws IOException {
    sandbox = Sandbox.create(tmp);
    extractor = LayerExtractor.builder().preserveOwnership(false)
        .ownershipFile(tmp.resolve("ownership.json")).build();
    before = sandbox.outsideSnapshot();
  }

  /** Applies the attack's layers; returns the refusal, or null when every layer applied. */
  private LayerExtractionException apply(String attackName) throws IOException {
    Attack attack = AttackCorpus.attacks(sandbox).stream()
        .filter(a -> a.name().equals(attackName)).findFirst().orElseThrow();
    try {
      int i = 0;
      for (byte[] layer : attack.layers()) {
        // Alternate plain and gzip so both decoders are exercised.
        byte[] blob = i++ % 2 == 0 ? layer : TestTars.gzip(layer);
        extractor.apply(sandbox.root(), new ByteArrayInputStream(blob), attackName + "#" + i);
      }
      return null;
    } catch (LayerExtractionException e) {
      return e;
    } finally {
      assertEquals(before, sandbox.outsideSnapshot(), "the outside directory must be untouched");
      assertFalse(Files.exists(sandbox.outside().resolve("pwned")));
    }
  }

  private Path inRoot(String path) {
    return sandbox.root().resolve(path);
  }

  private Path inRootAbsolute(Path absolute, String child) {
    return sandbox.root().resolve(absolute.toString().substring(1)).resolve(child);
  }

  @Test
  void dotdotNamesStayInsideTheRoot() throws IOException {
    assertNull(apply("dotdot-name"));
    assertEquals("x", Files.readString(inRoot("outside/pwned")));
  }

  @Test
  void absoluteNamesAreTakenRelativeToTheRoot() throws IOException {
    assertNull(apply("absolute-name"));
    assertEquals("x", Files.readString(inRootAbsolute(sandbox.outside(), "pwned")));
  }

  @Test
  void absoluteSymlinkInParentIsResolvedInsideTheRoot() throws IOException {
    assertNull(apply("symlink-parent-absolute"));
    assertEquals(sandbox.outside().toString(), Files.readSymbolicLink(inRoot("evil")).toString());
    assertEquals("x", Files.readString(inRootAbsolute(sandbox.outside(), "pwned")));
  }

  @Test
  void relativeSymlinkInParentCannotClimbOut() throws IOException {
    assertNull(apply("symlink-parent-relative"));
    assertEquals("../outside", Files.readSymbolicLink(inRoot("evil")).toString());
    assertEquals("x", Files.readString(inRoot("outside/pwned")));
  }

  @Test
  void chainedSymlinksAreResolvedInsideTheRoot() throws IOException {
    assertNull(apply("symlink-parent-chained"));
    assertEquals("x", Files.readString(inRoot("outside/pwned")));
  }

  @Test
  void aFileReplacesASymlinkInsteadOfWritingThroughIt() throws IOException {
    assertNull(apply("write-through-final-symlink"));
    assertFalse(Files.isSymbolicLink(inRoot("evil")));
    assertEquals("pwned", Files.readString(inRoot("evil")));
  }

  @Test
  void hardlinkWithDotdotTargetIsRefused() throws IOException {
    LayerExtractionException e = apply("hardlink-dotdot");
    assertTrue(e.getMessage().contains("hardlink target '../outside/secret' does not exist"), e.getMessage());
    assertEquals("link", e.entry());
  }

  @Test
  void hardlinkWithAbsoluteTargetIsRefused() throws IOException {
    LayerExtractionException e = apply("hardlink-absolute");
    assertTrue(e.getMessage().contains("does not exist in the root"), e.getMessage());
  }

  @Test
  void hardlinkThroughSymlinkIsRefused() throws IOException {
    LayerExtractionException e = apply("hardlink-through-symlink");
    assertEquals("link", e.entry());
  }

  @Test
  void directoryReplacedBySymlinkInALaterLayerIsNotWrittenThrough() throws IOException {
    assertNull(apply("directory-replaced-by-symlink-in-later-layer"));
    assertEquals("../outside", Files.readSymbolicLink(inRoot("d")).toString());
    assertEquals("x", Files.readString(inRoot("outside/pwned")));
  }

  @Test
  void directoryEntryReplacesASymlinkInsteadOfChmoddingItsTarget() throws IOException {
    assertNull(apply("chmod-through-symlinked-directory"));
    assertTrue(Files.isDirectory(inRoot("evil"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void whiteoutThroughSymlinkDeletesNothingOutside() throws IOException {
    assertNull(apply("whiteout-through-symlink"));
    assertTrue(Files.isSymbolicLink(inRoot("evil")));
  }

  @Test
  void opaqueWhiteoutThroughSymlinkClearsNothingOutside() throws IOException {
    assertNull(apply("opaque-whiteout-through-symlink"));
    assertTrue(Files.isSymbolicLink(inRoot("evil")));
  }

  @Test
  void whiteoutWithDotdotDeletesNothingOutside() throws IOException {
    assertNull(apply("whiteout-dotdot"));
  }

  @Test
  void symlinkNamedDotIsRefused() throws IOException {
    LayerExtractionException e = apply("symlink-named-dot");
    assertTrue(e.getMessage().contains("refusing to replace the root directory"), e.getMessage());
    assertTrue(Files.isDirectory(sandbox.root(), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void symlinkNamedDotdotIsRefused() throws IOException {
    LayerExtractionException e = apply("symlink-named-dotdot");
    assertTrue(e.getMessage().contains("refusing to replace the root directory"), e.getMessage());
  }

  @Test
  void deviceNodesAreNotCreatedWithoutPrivileges() throws IOException {
    LayerExtractor.Applied applied = extractor.apply(sandbox.root(),
        new ByteArrayInputStream(tar().device("dev/sda", true, 8, 0).owner(0, 6).bytes()), "devices");
    Path placeholder = inRoot("dev/sda");
    assertTrue(Files.isRegularFile(placeholder, LinkOption.NOFOLLOW_LINKS), "an empty placeholder, not a device");
    assertEquals(0L, Files.size(placeholder));
    assertEquals(0, (int) Files.getAttribute(placeholder, "unix:mode") & 07777);
    assertTrue(applied.notes().get(0).contains("placeholder"), applied.notes().toString());
    OwnershipMap.Ownership recorded = OwnershipMap.load(extractor.ownershipFile().orElseThrow())
        .entries().get("/dev/sda");
    assertEquals(OwnershipMap.Kind.BLOCK_DEVICE, recorded.type());
    assertEquals(8, recorded.devMajor());
    assertEquals(6, recorded.gid());
    assertEquals(before, sandbox.outsideSnapshot());
  }

  @Test
  void decompressionBombIsStoppedWithAClearError() throws IOException {
    byte[] zeros = new byte[32 << 20];
    byte[] bomb = tar().file("zeros", zeros, 0644).gzip();
    assertTrue(bomb.length < 200_000, "the blob is small: " + bomb.length);
    LayerExtractor limited = LayerExtractor.builder().preserveOwnership(false)
        .maxUncompressedBytes(4 << 20).build();
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> limited.apply(sandbox.root(), new ByteArrayInputStream(bomb), "sha256:bomb"));
    assertTrue(e.getMessage().contains("layer sha256:bomb"), e.getMessage());
    assertTrue(e.getMessage().contains("expands beyond 4194304 bytes; raise the limit with"
        + " LayerExtractor.builder().maxUncompressedBytes(...) if the image is trusted"), e.getMessage());
    assertTrue(Files.size(inRoot("zeros")) <= 4 << 20);
  }

  @Test
  void tooManyEntriesAreStopped() throws IOException {
    TestTars many = tar();
    for (int i = 0; i < 50; i++) {
      many.file("f" + i, "");
    }
    LayerExtractor limited = LayerExtractor.builder().preserveOwnership(false).maxEntries(20).build();
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> limited.apply(sandbox.root(), new ByteArrayInputStream(many.bytes()), "many"));
    assertTrue(e.getMessage().contains("more than 20 entries; raise the limit"), e.getMessage());
  }

  @Test
  void legitimateLinksExtractExactly() throws IOException {
    String deep = "../".repeat(40) + "usr/share/zoneinfo/UTC";
    extractor.apply(sandbox.root(), new ByteArrayInputStream(tar()
        .symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
        .symlink("usr/lib/deep", deep)
        .symlink("usr/lib/odd", "a//b/")
        .symlink("usr/lib/dangling", "/nonexistent/file")
        .file("usr/share/zoneinfo/UTC", "TZif")
        .hardlink("usr/share/zoneinfo/Etc-UTC", "/usr/share/zoneinfo/UTC")
        .bytes()), "legit");
    assertEquals("/usr/share/zoneinfo/UTC", Files.readSymbolicLink(inRoot("etc/localtime")).toString());
    assertEquals(deep, Files.readSymbolicLink(inRoot("usr/lib/deep")).toString());
    assertEquals("/nonexistent/file", Files.readSymbolicLink(inRoot("usr/lib/dangling")).toString());
    // Java normalises "a//b/"; the raw bytes must stay as the tar said.
    assertEquals("a//b/", dev.lading.testing.Processes.check(
        java.util.List.of("readlink", inRoot("usr/lib/odd").toString()), 10).trim());
    assertEquals(Files.getAttribute(inRoot("usr/share/zoneinfo/UTC"), "unix:ino"),
        Files.getAttribute(inRoot("usr/share/zoneinfo/Etc-UTC"), "unix:ino"));
    assertEquals(before, sandbox.outsideSnapshot());
  }
}
