package dev.lading.layer;

import static dev.lading.layer.TestTars.tar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestingInputStream;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerExtractorTest {
  private static final Instant T1 = Instant.parse("2021-05-06T07:08:09Z");

  @TempDir Path tmp;
  private Path root;
  private LayerExtractor unprivileged;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(tmp.resolve("rootfs"));
    unprivileged = LayerExtractor.builder().preserveOwnership(false)
        .ownershipFile(tmp.resolve("ownership.json")).build();
  }

  private void apply(LayerExtractor extractor, byte[] layer, String name) throws IOException {
    extractor.apply(root, new ByteArrayInputStream(layer), name);
  }

  private List<String> list(String dir) throws IOException {
    try (Stream<Path> s = Files.list(root.resolve(dir))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static int mode(Path p) throws IOException {
    return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private static boolean runningAsRoot() throws IOException {
    return (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
  }

  @Test
  void extractsAWrittenLayerWithOwnersModesAndTimesAsRoot() throws IOException {
    Assumptions.assumeTrue(runningAsRoot(), "chown needs root");
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    ReproducibleLayer.builder()
        .add(LayerEntry.file("/usr/bin/su", "su".getBytes(StandardCharsets.UTF_8)).withMode(04755))
        .add(LayerEntry.directory("/tmp").withMode(01777))
        .add(LayerEntry.file("/home/app/data", new byte[] {1}).withOwner(1000, 1001).withMode(0600))
        .add(LayerEntry.symlink("/etc/localtime", "/usr/share/zoneinfo/UTC").withOwner(5, 6))
        .add(LayerEntry.hardlink("/usr/bin/su2", "/usr/bin/su"))
        .mtime(T1)
        .build().writeTo(blob);
    LayerExtractor asRoot = LayerExtractor.builder().preserveOwnership(true).build();
    apply(asRoot, blob.toByteArray(), "written");

    assertEquals(04755, mode(root.resolve("usr/bin/su")));
    assertEquals(01777, mode(root.resolve("tmp")));
    Path data = root.resolve("home/app/data");
    assertEquals(1000, Files.getAttribute(data, "unix:uid"));
    assertEquals(1001, Files.getAttribute(data, "unix:gid"));
    assertEquals(0600, mode(data));
    assertEquals(5, Files.getAttribute(root.resolve("etc/localtime"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(Files.getAttribute(root.resolve("usr/bin/su"), "unix:ino"),
        Files.getAttribute(root.resolve("usr/bin/su2"), "unix:ino"));
    // Directory mtimes are set after their children were created.
    for (String dir : List.of("usr", "usr/bin", "home", "home/app", "etc", "tmp")) {
      assertEquals(T1, Files.getLastModifiedTime(root.resolve(dir), LinkOption.NOFOLLOW_LINKS).toInstant(), dir);
    }
    assertEquals(T1, Files.getLastModifiedTime(root.resolve("etc/localtime"), LinkOption.NOFOLLOW_LINKS).toInstant());
    assertEquals(List.of("rootfs"), list(".."), "no sidecar when owners are real");
  }

  @Test
  void whiteoutRemovesLowerEntries() throws IOException {
    apply(unprivileged, tar().file("a/one", "1").file("a/two", "2").dir("b", 0755).file("b/x", "x").bytes(), "lower");
    apply(unprivileged, tar().file("a/.wh.one", "").file(".wh.b", "").bytes(), "upper");
    assertEquals(List.of("two"), list("a"));
    assertFalse(Files.exists(root.resolve("b"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void whiteoutKeepsWhatTheSameLayerAddsBeforeOrAfterIt() throws IOException {
    apply(unprivileged, tar().file("x", "old").file("y", "old").bytes(), "lower");
    apply(unprivileged, tar().file("x", "new").file(".wh.x", "").file(".wh.y", "").file("y", "new").bytes(), "upper");
    assertEquals("new", Files.readString(root.resolve("x")));
    assertEquals("new", Files.readString(root.resolve("y")));
  }

  @Test
  void opaqueDirectoryHidesLowerContentOnly() throws IOException {
    apply(unprivileged, tar().file("d/a", "a").file("d/sub/b", "b").bytes(), "lower");
    apply(unprivileged, tar().file("d/before", "1").file("d/.wh..wh..opq", "").file("d/after", "2").bytes(), "upper");
    assertEquals(List.of("after", "before"), list("d"));
  }

  @Test
  void entriesReplaceOtherTypes() throws IOException {
    apply(unprivileged, tar().file("p/child", "c").file("q", "file").symlink("s", "/somewhere")
        .dir("t", 0755).bytes(), "lower");
    apply(unprivileged, tar().file("p", "now a file").dir("q", 0755).file("q/child", "c")
        .dir("s", 0755).symlink("t", "p").bytes(), "upper");
    assertEquals("now a file", Files.readString(root.resolve("p")));
    assertTrue(Files.isDirectory(root.resolve("q"), LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.isDirectory(root.resolve("s"), LinkOption.NOFOLLOW_LINKS));
    assertEquals("p", Files.readSymbolicLink(root.resolve("t")).toString());
  }

  @Test
  void withinOneLayerADirectoryReplacedByASymlinkIsFollowedInsideTheRootAfterwards() throws IOException {
    // d is made and resolved, then replaced by a symlink in the same layer: what this run knew of d
    // must be forgotten, so d/g lands at /elsewhere/g in the root, never through the link on disk.
    Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
    apply(unprivileged, tar().dir("d", 0755).file("d/f", "f").file("d/sub/x", "x")
        .symlink("d", tmp.resolve("elsewhere").toString()).file("d/g", "g").file("d/sub/y", "y")
        .bytes(), "only");
    assertEquals(tmp.resolve("elsewhere").toString(), Files.readSymbolicLink(root.resolve("d")).toString());
    String inside = tmp.resolve("elsewhere").toString().substring(1);
    assertEquals("g", Files.readString(root.resolve(inside).resolve("g")));
    assertEquals("y", Files.readString(root.resolve(inside).resolve("sub/y")));
    try (var left = Files.list(outside)) {
      assertEquals(0, left.count(), "nothing written outside the root");
    }
  }

  @Test
  void withinOneLayerAPathMadeTwiceInANewDirectoryKeepsTheLastAndItsType() throws IOException {
    apply(unprivileged, tar().file("n/a", "first").file("n/a", "second").file("n/b", "file")
        .dir("n/b", 0755).file("n/b/c", "c").dir("n/e", 0755).file("n/e", "now a file")
        .symlink("n/l", "a").file("n/l", "not a link").bytes(), "only");
    assertEquals("second", Files.readString(root.resolve("n/a")));
    assertEquals("c", Files.readString(root.resolve("n/b/c")));
    assertEquals("now a file", Files.readString(root.resolve("n/e")));
    assertFalse(Files.isSymbolicLink(root.resolve("n/l")));
    assertEquals("not a link", Files.readString(root.resolve("n/l")));
  }

  @Test
  void parentDirectoriesKeepTheirMtimeWhenAnUpperLayerAddsToThem() throws IOException {
    apply(unprivileged, tar().dir("keep", 0755).mtime(T1).bytes(), "lower");
    apply(unprivileged, tar().file("keep/new", "n").file("keep/.wh.nothing", "").bytes(), "upper");
    assertEquals(T1, Files.getLastModifiedTime(root.resolve("keep")).toInstant());
  }

  @Test
  void unprivilegedExtractionRecordsOwnershipInTheSidecar() throws IOException {
    Path sidecar = tmp.resolve("state/owners.json");
    LayerExtractor extractor = LayerExtractor.builder().preserveOwnership(false).ownershipFile(sidecar).build();
    apply(extractor, tar().dir("srv", 0750).owner(33, 33).file("srv/suid", "s".getBytes(StandardCharsets.UTF_8), 04711)
        .owner(0, 50).file("srv/gone", "g").owner(7, 7).dir("ro", 0555).bytes(), "lower");
    apply(extractor, tar().file("srv/.wh.gone", "").bytes(), "upper");

    OwnershipMap map = OwnershipMap.load(sidecar);
    assertEquals(OwnershipMap.Ownership.of(OwnershipMap.Kind.DIRECTORY, 0750, 33, 33, 0, 0), map.entries().get("/srv"));
    assertEquals(OwnershipMap.Ownership.of(OwnershipMap.Kind.FILE, 04711, 0, 50, 0, 0), map.entries().get("/srv/suid"));
    assertFalse(map.entries().containsKey("/srv/gone"), "whiteouts remove sidecar entries too");
    // On disk the owner keeps write access so later steps can change the tree.
    assertEquals(0750 | 0700, mode(root.resolve("srv")));
    assertEquals(0555 | 0700, mode(root.resolve("ro")));
    assertEquals(04711 | 0600, mode(root.resolve("srv/suid")));
    String json = Files.readString(sidecar);
    assertTrue(json.contains("\"/srv/suid\":{\"type\":\"FILE\",\"mode\":\"4711\",\"uid\":0,\"gid\":50"), json);
  }

  @Test
  void fakerootSeesTheIntendedOwnersModesAndDevices() throws IOException {
    RequiredTool.require("fakeroot", "fakeroot");
    apply(unprivileged, tar().file("etc/shadow", "x".getBytes(StandardCharsets.UTF_8), 0640).owner(0, 42)
        .file("bin/ping", "p".getBytes(StandardCharsets.UTF_8), 04755)
        .dir("home/app", 0700).owner(1000, 1000)
        .device("dev/null", false, 1, 3).symlink("etc/mtab", "/proc/mounts").owner(3, 4).bytes(), "layer");
    OwnershipMap map = OwnershipMap.load(unprivileged.ownershipFile().orElseThrow());
    String save = map.toFakerootSaveFile(root);
    for (String line : save.split("\n")) {
      assertTrue(line.matches("dev=[0-9a-f]+,ino=\\d+,mode=[0-7]+,uid=\\d+,gid=\\d+,nlink=\\d+,rdev=\\d+"), line);
    }
    assertTrue(save.contains(",mode=20660,uid=0,gid=0,nlink=1,rdev=259\n"), save);
    // From a walk of the tree, the same state without an lstat per path (/dev's content is looked up).
    assertEquals(save, map.toFakerootSaveFile(root, RootfsSnapshot.take(root)));
    Files.createLink(root.resolve("bin/ping-again"), root.resolve("bin/ping"));
    assertTrue(map.toFakerootSaveFile(root, RootfsSnapshot.take(root)).contains(",mode=104755,uid=0,gid=0,nlink=2,"));
    Path saveFile = tmp.resolve("fakeroot.save");
    map.writeFakerootSaveFile(root, saveFile);

    String seen = Processes.check(List.of("fakeroot", "-i", saveFile.toString(), "--",
        "stat", "-c", "%n %u:%g %a %F",
        root.resolve("etc/shadow").toString(), root.resolve("bin/ping").toString(),
        root.resolve("home/app").toString(), root.resolve("dev/null").toString()), 60);
    assertTrue(seen.contains("etc/shadow 0:42 640 regular file"), seen);
    assertTrue(seen.contains("bin/ping 0:0 4755 regular"), seen);
    assertTrue(seen.contains("home/app 1000:1000 700 directory"), seen);
    assertTrue(seen.contains("dev/null 0:0 660 character special file"), seen);
    String link = Processes.check(List.of("fakeroot", "-i", saveFile.toString(), "--",
        "stat", "-c", "%u:%g", root.resolve("etc/mtab").toString()), 60);
    assertEquals("3:4", link.trim());
  }

  @Test
  void createsDeviceNodesAsRoot() throws IOException {
    Assumptions.assumeTrue(runningAsRoot(), "mknod needs root");
    apply(LayerExtractor.builder().preserveOwnership(true).build(),
        tar().device("dev/null", false, 1, 3).bytes(), "devices");
    String stat = Processes.check(List.of("stat", "-c", "%F %t:%T %a", root.resolve("dev/null").toString()), 10);
    assertEquals("character special file 1:3 660", stat.trim());
  }

  @Test
  void readsPlainGzipAndZstdLayersToTheEnd() throws IOException {
    byte[] plain = tar().file("a", "1").bytes();
    byte[] gzip = tar().file("b", "2").gzip();
    java.io.ByteArrayOutputStream zstd = new java.io.ByteArrayOutputStream();
    try (java.io.OutputStream out = new io.airlift.compress.zstd.ZstdOutputStream(zstd)) {
      out.write(tar().file("c", "3".repeat(100_000)).bytes());
    }
    for (byte[] blob : List.of(plain, gzip, zstd.toByteArray())) {
      DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(blob));
      LayerExtractor.Applied applied = unprivileged.apply(root, in, "blob");
      assertEquals(1, applied.entries());
      assertEquals(Digest.of(blob), in.digest(), "the whole blob was read");
    }
    assertEquals(List.of("a", "b", "c"), list("."));
    assertEquals("3".repeat(100_000), Files.readString(root.resolve("c")));
    byte[] corrupt = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0};
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> apply(unprivileged, corrupt, "sha256:zzz"));
    assertTrue(e.getMessage().startsWith("layer sha256:zzz"), e.getMessage());
  }

  @Test
  void corruptLayersNameTheLastGoodEntry() throws IOException {
    byte[] good = tar().file("a", "1").file("b", "2".repeat(2000)).bytes();
    byte[] truncated = java.util.Arrays.copyOf(good, 1024 + 700);
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> apply(unprivileged, truncated, "sha256:cut"));
    assertTrue(e.getMessage().startsWith("layer sha256:cut, entry 'b'"), e.getMessage());
  }

  // Small files are written in the background; what a later entry of the same layer does to them
  // must see them complete, as a one-thread extraction would.

  @Test
  void manySmallFilesKeepTheirBytesModesTimesAndRecordedOwners() throws IOException {
    TestTars t = tar();
    for (int d = 0; d < 20; d++) {
      t.dir("d" + d, 0755);
      for (int f = 0; f < 100; f++) {
        t.file("d" + d + "/f" + f, ("file " + d + "/" + f).repeat(f + 1).getBytes(StandardCharsets.UTF_8),
            f % 2 == 0 ? 0644 : 0750).owner(1000 + f, 2000 + d).mtime(T1.plusSeconds(f));
      }
    }
    apply(unprivileged, t.gzip(), "sha256:many");
    OwnershipMap map = OwnershipMap.load(unprivileged.ownershipFile().orElseThrow());
    for (int d = 0; d < 20; d++) {
      for (int f = 0; f < 100; f++) {
        Path p = root.resolve("d" + d + "/f" + f);
        assertEquals(("file " + d + "/" + f).repeat(f + 1), Files.readString(p));
        assertEquals(f % 2 == 0 ? 0644 : 0750, mode(p));
        assertEquals(T1.plusSeconds(f), Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant());
        OwnershipMap.Ownership o = map.entries().get("/d" + d + "/f" + f);
        assertEquals(1000 + f, o.uid());
        assertEquals(2000 + d, o.gid());
      }
    }
    // Directory times come after their contents were written.
    assertEquals(Instant.parse("2020-01-01T00:00:00Z"),
        Files.getLastModifiedTime(root.resolve("d7")).toInstant());
  }

  @Test
  void aPathWrittenTwiceInOneLayerKeepsTheLaterEntry() throws IOException {
    apply(unprivileged, tar().file("a", "first").file("b", "other").file("a", "second").gzip(), "twice");
    assertEquals("second", Files.readString(root.resolve("a")));
    apply(unprivileged, tar().file("c", "file").dir("c", 0755).file("c/inside", "x").gzip(), "file then dir");
    assertEquals("x", Files.readString(root.resolve("c/inside")));
  }

  @Test
  void aHardlinkToAFileJustWrittenLinksTheCompleteFile() throws IOException {
    apply(unprivileged, tar().file("x", "content of x").hardlink("y", "x").gzip(), "link");
    assertEquals("content of x", Files.readString(root.resolve("y")));
    assertEquals(Files.getAttribute(root.resolve("x"), "unix:ino"), Files.getAttribute(root.resolve("y"), "unix:ino"));
  }

  @Test
  void aFileJustWrittenUsedAsADirectoryIsRefusedAsBefore() throws IOException {
    LayerExtractionException e = assertThrows(LayerExtractionException.class,
        () -> apply(unprivileged, tar().file("f", "x").file("f/g", "y").gzip(), "sha256:bad"));
    assertTrue(e.getMessage().contains("/f is not a directory"), e.getMessage());
  }

  @Test
  void aWhiteoutInTheSameLayerSeesFilesWrittenBeforeIt() throws IOException {
    apply(unprivileged, tar().file("dir/old", "lower").gzip(), "lower");
    // The opaque marker removes lower content only; the file written just before it stays.
    apply(unprivileged, tar().dir("dir", 0755).file("dir/new", "upper").file("dir/.wh..wh..opq", "")
        .gzip(), "upper");
    assertEquals(List.of("new"), list("dir"));
  }
}
