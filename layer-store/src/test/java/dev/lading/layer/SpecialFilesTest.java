package dev.lading.layer;

import static dev.lading.layer.TestTars.tar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.OwnershipMap.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FIFOs, devices and special mode bits, as root and without privileges. Opening a FIFO blocks until
 * a writer comes, so every case runs under a timeout: nothing may open what is not a regular file.
 */
class SpecialFilesTest {
  private static final Duration LIMIT = Duration.ofSeconds(20);
  private static final Instant T = Instant.parse("2022-02-03T04:05:06.125Z");

  @TempDir Path tmp;
  private Path root;
  private Path sidecar;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(tmp.resolve("rootfs"));
    sidecar = tmp.resolve("ownership.json");
  }

  private LayerExtractor.Applied apply(boolean asRoot, TestTars layer) {
    LayerExtractor extractor = LayerExtractor.builder().preserveOwnership(asRoot)
        .ownershipFile(sidecar).build();
    return assertTimeoutPreemptively(LIMIT,
        () -> extractor.apply(root, new ByteArrayInputStream(layer.bytes()), "special"));
  }

  private static boolean root() throws IOException {
    return (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
  }

  private static int mode(Path p) throws IOException {
    return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void aFifoIsCreatedWithItsModeAndTimeWithoutPrivileges() throws IOException {
    apply(false, tar().fifo("tmp/f", 0640).mtime(T).owner(7, 8));
    Path fifo = root.resolve("tmp/f");
    assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).isOther(), "a FIFO");
    assertEquals(0010640, mode(fifo));
    assertEquals(T, Files.getLastModifiedTime(fifo, LinkOption.NOFOLLOW_LINKS).toInstant());
    OwnershipMap.Ownership o = OwnershipMap.load(sidecar).entries().get("/tmp/f");
    assertEquals(OwnershipMap.Ownership.of(Kind.FIFO, 0640, 7, 8, 0, 0), o);
  }

  @Test
  void aFifoGetsItsOwnerAsRoot() throws IOException {
    Assumptions.assumeTrue(root(), "needs root");
    apply(true, tar().fifo("tmp/f", 0600).mtime(T).owner(7, 8));
    Path fifo = root.resolve("tmp/f");
    assertEquals(0010600, mode(fifo));
    assertEquals(7, Files.getAttribute(fifo, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(8, Files.getAttribute(fifo, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(T, Files.getLastModifiedTime(fifo, LinkOption.NOFOLLOW_LINKS).toInstant());
  }

  @Test
  void devicesAreCreatedAsRootWithoutBeingOpened() throws IOException {
    Assumptions.assumeTrue(root(), "needs root");
    // /dev/tty-like and disk-like numbers: opening either would be wrong, so it must not happen.
    apply(true, tar().device("dev/console", false, 5, 1).mtime(T).owner(0, 5)
        .device("dev/sda", true, 8, 0).mtime(T).owner(0, 6));
    Path chr = root.resolve("dev/console");
    Path blk = root.resolve("dev/sda");
    assertEquals(0020660, mode(chr));
    assertEquals(0060660, mode(blk));
    assertEquals(6, Files.getAttribute(blk, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(OwnershipMap.makedev(5, 1),
        ((Number) Files.getAttribute(chr, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
    assertEquals(T, Files.getLastModifiedTime(blk, LinkOption.NOFOLLOW_LINKS).toInstant());
  }

  @Test
  void devicesAreRecordedWithoutPrivileges() throws IOException {
    LayerExtractor.Applied applied = apply(false, tar().device("dev/console", false, 5, 1).owner(0, 5));
    assertTrue(Files.isRegularFile(root.resolve("dev/console"), LinkOption.NOFOLLOW_LINKS));
    assertEquals(OwnershipMap.Ownership.of(Kind.CHAR_DEVICE, 0660, 0, 5, 5, 1),
        OwnershipMap.load(sidecar).entries().get("/dev/console"));
    assertTrue(applied.notes().toString().contains("placeholder"), applied.notes().toString());
  }

  @Test
  void setuidSetgidAndStickyBitsSurvive() throws IOException {
    boolean asRoot = root();
    byte[] x = "x".getBytes(StandardCharsets.UTF_8);
    apply(asRoot, tar().file("bin/su", x, 04755).owner(0, 0).file("bin/wall", x, 02755).owner(0, 5)
        .dir("tmp", 01777).fifo("tmp/sgid-fifo", 02660));
    assertEquals(04755, mode(root.resolve("bin/su")) & 07777);
    assertEquals(02755, mode(root.resolve("bin/wall")) & 07777);
    assertEquals(01777, mode(root.resolve("tmp")) & 07777);
    assertEquals(02660, mode(root.resolve("tmp/sgid-fifo")) & 07777);
  }

  @Test
  void aFifoReplacedByAFileInALaterLayerIsNotOpened() throws IOException {
    apply(false, tar().fifo("run/pipe", 0600));
    apply(false, tar().file("run/pipe", "now a file"));
    assertEquals("now a file", Files.readString(root.resolve("run/pipe")));
  }
}
