package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReproducibleLayerTest {
  @TempDir Path tmp;

  private static final String LONG_DIR = "/opt/" + "very-long-directory-name/".repeat(5);

  private List<LayerEntry> sample() throws IOException {
    Path jar = tmp.resolve("lib.jar");
    if (!Files.exists(jar)) {
      Files.write(jar, "pretend this is a jar".repeat(100).getBytes(StandardCharsets.UTF_8));
    }
    return List.of(
        LayerEntry.file("/app/libs/lib.jar", jar),
        LayerEntry.file("/app/run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8)).withMode(0755),
        LayerEntry.symlink("/etc/localtime", "/usr/share/zoneinfo/UTC"),
        LayerEntry.symlink("/app/up", "../../../../usr/lib"),
        LayerEntry.file(LONG_DIR + "file-with-a-long-name.txt", new byte[] {1, 2, 3})
            .withOwner(3_000_000, 4_000_000).withOwnerNames("builder", "builders"),
        LayerEntry.hardlink("/app/a-link", "/app/run.sh"),
        LayerEntry.directory("/data").withMode(01777).withOwner(1000, 1000)
            .withOwnerNames("a-user-name-longer-than-thirty-two-bytes", "staff"));
  }

  private static byte[] write(ReproducibleLayer layer) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LayerResult result = layer.writeTo(out);
    byte[] blob = out.toByteArray();
    assertEquals(blob.length, result.size());
    assertEquals(Digest.of(blob), result.digest());
    assertEquals(Digest.of(gunzip(blob)), result.diffId(), "diffId is the digest of the uncompressed tar");
    return blob;
  }

  private static byte[] gunzip(byte[] blob) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(blob))) {
      return in.readAllBytes();
    }
  }

  @Test
  void sameInputGivesSameBytesAndDigests() throws IOException {
    byte[] first = write(ReproducibleLayer.builder().addAll(sample()).build());
    byte[] second = write(ReproducibleLayer.builder().addAll(sample()).build());
    assertArrayEquals(first, second);
    // The uncompressed form has the same diffId as the compressed one.
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    Digest diffId = ReproducibleLayer.builder().addAll(sample()).build().writeUncompressedTo(tar);
    assertEquals(Digest.of(gunzip(first)), diffId);
    assertArrayEquals(gunzip(first), tar.toByteArray());
  }

  @Test
  void gzipHeaderIsFixed() throws IOException {
    byte[] blob = write(ReproducibleLayer.builder().addAll(sample()).build());
    // magic, deflate, no flags, mtime 0, XFL 0 (default level), OS 255.
    byte[] expected = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    byte[] header = new byte[10];
    System.arraycopy(blob, 0, header, 0, 10);
    assertArrayEquals(expected, header);
  }

  @Test
  void mtimeChangesTheDigests() throws IOException {
    LayerResult epoch = ReproducibleLayer.builder().addAll(sample()).build().writeTo(new ByteArrayOutputStream());
    LayerResult later = ReproducibleLayer.builder().addAll(sample())
        .mtime(Instant.parse("2024-01-01T00:00:00Z")).build().writeTo(new ByteArrayOutputStream());
    assertNotEquals(epoch.diffId(), later.diffId());
    assertNotEquals(epoch.digest(), later.digest());
    // Sub-second parts are dropped, so they never change a digest.
    LayerResult withNanos = ReproducibleLayer.builder().addAll(sample())
        .mtime(Instant.parse("2024-01-01T00:00:00.123Z")).build().writeTo(new ByteArrayOutputStream());
    assertEquals(later, withNanos);
  }

  @Test
  void inputOrderDoesNotMatter() throws IOException {
    List<LayerEntry> reversed = new ArrayList<>(sample());
    java.util.Collections.reverse(reversed);
    assertEquals(
        ReproducibleLayer.builder().addAll(sample()).build().writeTo(new ByteArrayOutputStream()),
        ReproducibleLayer.builder().addAll(reversed).build().writeTo(new ByteArrayOutputStream()));
  }

  @Test
  void compressionLevelChangesOnlyTheBlob() throws IOException {
    LayerResult normal = ReproducibleLayer.builder().addAll(sample()).build().writeTo(new ByteArrayOutputStream());
    LayerResult fast = ReproducibleLayer.builder().addAll(sample()).compressionLevel(1).build()
        .writeTo(new ByteArrayOutputStream());
    assertEquals(normal.diffId(), fast.diffId());
    assertThrows(IllegalArgumentException.class, () -> ReproducibleLayer.builder().compressionLevel(10));
  }

  @Test
  void normalisesEntries() throws IOException {
    ReproducibleLayer layer = ReproducibleLayer.builder()
        .add(LayerEntry.file("/b/x", new byte[] {1}))
        .add(LayerEntry.file("a//y/", new byte[] {2}).withMode(0600))
        .add(LayerEntry.file("/a/y", new byte[] {3}))  // same path: last wins
        .mtime(Instant.ofEpochSecond(1_700_000_000))
        .build();
    List<String> paths = layer.entries().stream().map(LayerEntry::path).toList();
    assertEquals(List.of("/a", "/a/y", "/b", "/b/x"), paths);
    LayerEntry implicitParent = layer.entries().get(0);
    assertEquals(LayerEntry.Type.DIRECTORY, implicitParent.type());
    assertEquals(0755, implicitParent.mode());
    assertEquals(0, implicitParent.uid());
    assertEquals(Instant.ofEpochSecond(1_700_000_000), implicitParent.mtime());
    assertEquals(0644, layer.entries().get(1).mode(), "the later /a/y replaced the 0600 one");
    assertThrows(IllegalArgumentException.class, () -> LayerEntry.file("/a/../etc/passwd", new byte[0]));
  }

  @Test
  void refusesInconsistentEntries() {
    IllegalArgumentException parentIsFile = assertThrows(IllegalArgumentException.class,
        () -> ReproducibleLayer.builder().add(LayerEntry.file("/a", new byte[0]))
            .add(LayerEntry.file("/a/b", new byte[0])).build());
    assertTrue(parentIsFile.getMessage().contains("needs /a to be a directory"), parentIsFile.getMessage());
    IllegalArgumentException danglingHardlink = assertThrows(IllegalArgumentException.class,
        () -> ReproducibleLayer.builder().add(LayerEntry.hardlink("/a", "/missing")).build());
    assertTrue(danglingHardlink.getMessage().contains("not in the layer"), danglingHardlink.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ReproducibleLayer.builder().add(LayerEntry.directory("/d"))
            .add(LayerEntry.hardlink("/a", "/d")).build());
  }

  @Test
  void hardlinksAreStoredAfterTheirContent() throws IOException {
    ReproducibleLayer layer = ReproducibleLayer.builder()
        .add(LayerEntry.file("/z/content", "x".getBytes(StandardCharsets.UTF_8)).withMode(0700))
        .add(LayerEntry.hardlink("/a/link", "/z/content"))
        .add(LayerEntry.hardlink("/m/link2", "/a/link"))
        .build();
    List<TarArchiveEntry> read = readTar(write(layer));
    TarArchiveEntry first = read.stream().filter(e -> e.getName().equals("a/link")).findFirst().orElseThrow();
    assertTrue(first.isFile());
    assertEquals(1, first.getSize());
    assertEquals(0700, first.getMode() & 07777, "the file's metadata moves with its content");
    for (String other : List.of("m/link2", "z/content")) {
      TarArchiveEntry e = read.stream().filter(x -> x.getName().equals(other)).findFirst().orElseThrow();
      assertTrue(e.isLink(), other);
      assertEquals("a/link", e.getLinkName());
    }
  }

  @Test
  void longNamesAndLargeIdsUseOwnPaxHeaders() throws IOException {
    byte[] tar = gunzip(write(ReproducibleLayer.builder().addAll(sample()).build()));
    List<TarArchiveEntry> read = readTar(tar);
    TarArchiveEntry longOne = read.stream()
        .filter(e -> e.getName().endsWith("file-with-a-long-name.txt")).findFirst().orElseThrow();
    assertEquals(LONG_DIR.substring(1) + "file-with-a-long-name.txt", longOne.getName());
    assertEquals(3_000_000, longOne.getLongUserId());
    assertEquals(4_000_000, longOne.getLongGroupId());
    assertEquals("builder", longOne.getUserName());
    TarArchiveEntry data = read.stream().filter(e -> e.getName().equals("data/")).findFirst().orElseThrow();
    assertEquals("a-user-name-longer-than-thirty-two-bytes", data.getUserName(), "long owner names go to PAX");
    // Every header block of the raw tar carries an empty or chosen owner name, never the JVM's user.
    for (int offset = 0; offset + 512 <= tar.length; offset += 512) {
      if (tar[offset + 156] == 'x') {
        assertEquals(0, tar[offset + 265], "PAX header uname must be empty");
        assertEquals(0, tar[offset + 297], "PAX header gname must be empty");
        assertTrue(new String(tar, offset, 100, StandardCharsets.US_ASCII).startsWith("PaxHeaders/"));
      }
    }
  }

  @Test
  void gnuToolsAcceptTheLayer() throws IOException {
    RequiredTool.require("tar", "tar");
    RequiredTool.require("gzip", "gzip");
    Path blob = tmp.resolve("layer.tar.gz");
    Files.write(blob, write(ReproducibleLayer.builder().addAll(sample()).build()));
    Processes.check(List.of("gzip", "-t", blob.toString()), 60);
    String listing = Processes.check(List.of("tar", "--numeric-owner", "-tvzf", blob.toString()), 60);
    assertTrue(listing.contains("app/up -> ../../../../usr/lib"), listing);
    assertTrue(listing.contains("etc/localtime -> /usr/share/zoneinfo/UTC"), listing);
    assertTrue(listing.contains("app/run.sh link to app/a-link"), listing);
    assertTrue(listing.contains("3000000/4000000"), listing);
    assertTrue(listing.contains("drwxrwxrwt 1000/1000"), listing);
    assertTrue(listing.contains(LONG_DIR.substring(1) + "file-with-a-long-name.txt"), listing);
    assertTrue(listing.contains("1970-01-01 00:00"), listing);

    Path out = Files.createDirectory(tmp.resolve("gnu-extracted"));
    Processes.check(List.of("tar", "-xzf", blob.toString(), "-C", out.toString()), 60);
    assertEquals("#!/bin/sh\necho hi\n", Files.readString(out.resolve("app/run.sh")));
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(out.resolve("app/run.sh"))));
    assertEquals("/usr/share/zoneinfo/UTC", Files.readSymbolicLink(out.resolve("etc/localtime")).toString());
    assertEquals(Files.getAttribute(out.resolve("app/run.sh"), "unix:ino"),
        Files.getAttribute(out.resolve("app/a-link"), "unix:ino"));
    assertEquals(Instant.EPOCH, Files.getLastModifiedTime(out.resolve("app/libs/lib.jar")).toInstant());
  }

  @Test
  void fromDirectoryIsDeterministicAndKeepsExecBitsLinksAndHardlinks() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("tree"));
    Files.createDirectories(root.resolve("bin"));
    Files.writeString(root.resolve("bin/tool"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(root.resolve("bin/tool"), PosixFilePermissions.fromString("rwxr-----"));
    Files.writeString(root.resolve("data.txt"), "data");
    Files.setPosixFilePermissions(root.resolve("data.txt"), PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(root.resolve("current"), Path.of("bin/tool"));
    Files.createLink(root.resolve("copy.txt"), root.resolve("data.txt"));

    List<LayerEntry> entries = LayerEntries.fromDirectory(root, "/opt/app");
    List<String> paths = entries.stream().map(LayerEntry::path).toList();
    assertEquals(List.of("/opt/app", "/opt/app/bin", "/opt/app/bin/tool", "/opt/app/copy.txt",
        "/opt/app/current", "/opt/app/data.txt"), paths);
    assertEquals(0755, entries.get(2).mode(), "any execute bit normalises to 0755");
    assertEquals(LayerEntry.Type.SYMLINK, entries.get(4).type());
    assertEquals("bin/tool", entries.get(4).linkTarget());
    long hardlinks = entries.stream().filter(e -> e.type() == LayerEntry.Type.HARDLINK).count();
    assertEquals(1, hardlinks);
    LayerEntry data = entries.stream().filter(e -> e.type() == LayerEntry.Type.FILE
        && e.path().endsWith(".txt")).findFirst().orElseThrow();
    assertEquals(0644, data.mode());

    List<LayerEntry> preserved = LayerEntries.fromDirectory(root, "/",
        new LayerEntries.DirectoryOptions(LayerEntries.ModePolicy.PRESERVE, 1000, 1000, false));
    LayerEntry tool = preserved.stream().filter(e -> e.path().equals("/bin/tool")).findFirst().orElseThrow();
    assertEquals(0740, tool.mode());
    assertEquals(1000, tool.uid());

    // Same tree, same digests; the layer builder re-roots the hardlink pair deterministically.
    LayerResult one = ReproducibleLayer.builder().addAll(entries).build().writeTo(new ByteArrayOutputStream());
    LayerResult two = ReproducibleLayer.builder().addAll(LayerEntries.fromDirectory(root, "/opt/app"))
        .build().writeTo(new ByteArrayOutputStream());
    assertEquals(one, two);
    assertTrue(Files.isSymbolicLink(root.resolve("current")));
    assertTrue(Files.exists(root.resolve("current"), LinkOption.NOFOLLOW_LINKS));
  }

  static List<TarArchiveEntry> readTar(byte[] tarOrGzip) throws IOException {
    byte[] tar = tarOrGzip[0] == 0x1f && tarOrGzip[1] == (byte) 0x8b ? gunzip(tarOrGzip) : tarOrGzip;
    List<TarArchiveEntry> entries = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        entries.add(e);
      }
    }
    return entries;
  }

  @Test
  void filesReadAheadKeepTheirOrderAndBytesBeyondTheWindow() throws IOException {
    // More files than the read-ahead holds, small and large ones mixed, each with its own bytes.
    List<LayerEntry> entries = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < ContentReadAhead.WINDOW * 3 + 7; i++) {
      int size = i % 50 == 0 ? ContentReadAhead.SMALL_MAX + 1 + i : i % 7 == 0 ? 0 : 1 + i * 31;
      byte[] bytes = new byte[size];
      for (int b = 0; b < size; b++) {
        bytes[b] = (byte) (i * 7 + b);
      }
      Path file = Files.write(tmp.resolve(String.format("f%04d", i)), bytes);
      entries.add(LayerEntry.file(String.format("/data/f%04d", i), file));
      contents.add(bytes);
    }
    byte[] blob = write(ReproducibleLayer.builder().addAll(entries).build());
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(gunzip(blob)))) {
      int i = 0;
      for (TarArchiveEntry e = tar.getNextTarEntry(); e != null; e = tar.getNextTarEntry()) {
        if (e.isDirectory()) {
          continue;
        }
        assertEquals(String.format("data/f%04d", i), e.getName());
        assertArrayEquals(contents.get(i), tar.readAllBytes(), e.getName());
        i++;
      }
      assertEquals(contents.size(), i);
    }
  }

  @Test
  void aPathThatIsNoLongerARegularFileFailsTheLayer() throws IOException, InterruptedException {
    List<LayerEntry> entries = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      entries.add(LayerEntry.file("/f" + i, Files.writeString(tmp.resolve("f" + i), "x" + i)));
    }
    Path fifo = tmp.resolve("f5");
    Files.delete(fifo);
    Processes.run(List.of("mkfifo", fifo.toString()), 30).assertSuccess(List.of("mkfifo"));
    IOException e = assertThrows(IOException.class,
        () -> ReproducibleLayer.builder().addAll(entries).build().writeTo(new ByteArrayOutputStream()));
    assertTrue(e.getMessage().contains(fifo + " is not a regular file"), e.getMessage());

    Files.delete(fifo);
    entries.set(5, LayerEntry.file("/f5", tmp.resolve("gone")));
    assertThrows(java.nio.file.NoSuchFileException.class,
        () -> ReproducibleLayer.builder().addAll(entries).build().writeTo(new ByteArrayOutputStream()));
  }
}
