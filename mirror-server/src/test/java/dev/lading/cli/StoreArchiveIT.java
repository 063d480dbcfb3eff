package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving a store between machines as CI caches do: {@code lading store export|import} through one
 * file, and the store directory itself tarred by one user and restored by another under another path
 * with other times; then used at once, offline, with real registries, skopeo and the CLI as processes.
 */
class StoreArchiveIT {
  @TempDir static Path shared;
  private static Path jar;

  @BeforeAll
  static void tools() throws IOException {
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("umoci", "umoci");
    jar = AsNobody.jar(shared);
  }

  /** {@code lading ARGS} as nobody (when the tests run as root) on {@code store}. */
  private static Processes.Result nobody(Path store, String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + store), List.of(), args);
  }

  /** {@code lading ARGS} as the test's own user (root in CI) on {@code store}. */
  private static Processes.Result self(Path store, String... args) throws IOException {
    return new LadingJar(store).run(args);
  }

  private static String ok(Processes.Result r) {
    assertEquals(0, r.exitCode(), r.output());
    return r.output();
  }

  /** Runs a command as nobody when the tests run as root. */
  private static String asNobody(String... command) throws IOException {
    List<String> full = new ArrayList<>();
    if (AsNobody.root()) {
      full.addAll(List.of("runuser", "-u", "nobody", "--"));
    }
    full.addAll(List.of(command));
    return Processes.check(full, 300);
  }

  /** A build context whose Dockerfile copies a file onto {@code base}. */
  private static Path context(String name, String base, String text) throws IOException {
    Path dir = Files.createDirectories(shared.resolve(name));
    Files.writeString(dir.resolve("Dockerfile"), "FROM " + base + "\nCOPY note.txt /note.txt\n");
    Files.writeString(dir.resolve("note.txt"), text);
    Processes.check(List.of("chmod", "-R", "a+rX", dir.toString()), 60);
    return dir;
  }

  /** A store holding {@code REGISTRY/base:1} (copied from the registry) and {@code app:1} built on it. */
  private static void fill(Path store, String base, boolean asNobody) throws IOException {
    Path ctx = context("ctx-" + store.getFileName(), base, "built into " + store.getFileName() + "\n");
    if (asNobody) {
      ok(nobody(store, "copy", "-q", "docker://" + base, "store:" + base));
      ok(nobody(store, "build", "-t", "app:1", ctx.toString()));
    } else {
      ok(self(store, "copy", "-q", "docker://" + base, "store:" + base));
      ok(self(store, "build", "-t", "app:1", ctx.toString()));
    }
  }

  private static String refDigest(String lsOutput, String name) {
    return lsOutput.lines().filter(l -> l.endsWith("  " + name)).findFirst()
        .orElseThrow(() -> new AssertionError(name + " not listed:\n" + lsOutput)).substring(0, 12);
  }

  private static List<Path> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void anExportImportedAsNobodyUnpacksAndBuildsWithTheRegistryStopped() throws IOException {
    Path a = shared.resolve("export-a");
    String base;
    try (LocalRegistry registry = LocalRegistry.start()) {
      base = registry.hostPort() + "/base:1";
      BaseImages.push("minimal", base);
      fill(a, base, false);
    }
    Path all = shared.resolve("all.tgz");
    String exported = ok(self(a, "store", "export", all.toString()));
    assertTrue(exported.contains("exported 2 images and 0 tags to " + all + ": 6 blobs"), exported);
    byte[] first = Files.readAllBytes(all);
    ok(self(a, "store", "export", all.toString()));
    assertArrayEquals(first, Files.readAllBytes(all), "the same store gives the same file");
    Path one = shared.resolve("app.tar");
    ok(self(a, "store", "export", one.toString(), "app:1"));
    Processes.check(List.of("chmod", "a+r", all.toString(), one.toString()), 30);

    // Another store, another user; the registry is gone: everything must come from the archive.
    Path b = shared.resolve("import-b");
    String imported = ok(nobody(b, "store", "import", all.toString()));
    assertTrue(imported.contains("imported 2 images and 0 tags: 6 blobs added"), imported);
    assertTrue(ok(nobody(b, "store", "fsck")).contains("clean: 6 blobs"));
    String ls = ok(nobody(b, "store", "ls"));
    assertEquals(refDigest(ok(self(a, "store", "ls")), "docker.io/library/app:1"),
        refDigest(ls, "docker.io/library/app:1"));
    Path rootfs = shared.resolve("rootfs-b");
    ok(nobody(b, "unpack", "-q", "store:app:1", rootfs.toString()));
    assertEquals("built into export-a\n", Files.readString(rootfs.resolve("note.txt")));
    Path ctx = context("ctx-offline", base, "offline\n");
    String built = ok(nobody(b, "build", "-t", "offline:1", ctx.toString()));
    assertTrue(built.contains("into the store as docker.io/library/offline:1"), built);
    String again = ok(nobody(b, "store", "import", all.toString()));
    assertTrue(again.contains("0 blobs added (0 B), 6 already there"), again);

    // A subset holds one image, and is an OCI archive skopeo reads.
    Path c = shared.resolve("import-c");
    ok(nobody(c, "store", "import", one.toString()));
    String lsC = ok(nobody(c, "store", "ls"));
    assertTrue(lsC.contains("\n1 image or tag;"), lsC);
    Path layout = shared.resolve("skopeo-layout");
    Processes.check(List.of("skopeo", "copy", "oci-archive:" + one + ":docker.io/library/app:1",
        "oci:" + layout + ":app"), 120);
    String inspected = Processes.check(List.of("skopeo", "inspect", "--raw", "oci:" + layout + ":app"), 60);
    assertTrue(inspected.contains("\"layers\""), inspected);

    // Through a pipe: export to stdout, import from stdin.
    Path d = shared.resolve("import-d");
    asNobody("sh", "-c", "java -jar " + jar + " store export --store " + b + " - app:1 offline:1"
        + " | java -jar " + jar + " store import --store " + d + " -");
    String lsD = ok(nobody(d, "store", "ls"));
    assertTrue(lsD.contains("docker.io/library/offline:1") && lsD.contains("\n2 images and tags;"), lsD);
  }

  @Test
  void aCorruptOrCutArchiveSetsNoRefAndLeavesNoBadBlob() throws IOException {
    Path e = shared.resolve("corrupt-e");
    try (LocalRegistry registry = LocalRegistry.start()) {
      String base = registry.hostPort() + "/base:1";
      BaseImages.push("minimal", base);
      ok(self(e, "copy", "-q", "docker://" + base, "store:" + base));
    }
    Path archive = shared.resolve("e.tar");
    ok(self(e, "store", "export", archive.toString()));
    byte[] bytes = Files.readAllBytes(archive);
    TarMember layer = largestMember(bytes);

    byte[] flipped = bytes.clone();
    flipped[(int) layer.dataOffset + 1000] ^= 0x01;
    Path bad = Files.write(shared.resolve("bad.tar"), flipped);
    Path f = shared.resolve("corrupt-f");
    Processes.Result corrupt = nobody(f, "store", "import", bad.toString());
    assertEquals(1, corrupt.exitCode(), corrupt.output());
    // On a slow machine a progress line ("imported 349 B of 3.8 MiB") may come first.
    String error = errorLines(corrupt.output());
    assertTrue(error.startsWith("lading: the archive is corrupt: " + layer.name
        + " hashes to sha256:"), corrupt.output());
    assertTrue(error.endsWith("; no image or tag was set"), corrupt.output());
    assertEquals(1, error.lines().count(), "one line, no stack trace: " + corrupt.output());
    assertTrue(corrupt.output().lines().allMatch(l -> l.startsWith("lading: ")
        || l.strip().startsWith("imported ")), "only progress besides the error: " + corrupt.output());
    assertTrue(ok(nobody(f, "store", "ls")).startsWith("0 images and tags;"));
    assertFalse(Files.exists(f.resolve(layer.name)), "the bad blob is not visible");
    assertEquals(List.of(), files(f.resolve(".lading/tmp")), "and no temp file is left");

    for (int length : List.of(bytes.length / 2, (int) layer.dataOffset - 512)) {
      Path cut = Files.write(shared.resolve("cut.tar"), Arrays.copyOf(bytes, length));
      Path g = shared.resolve("cut-g-" + length);
      Processes.Result truncated = nobody(g, "store", "import", cut.toString());
      assertEquals(1, truncated.exitCode(), truncated.output());
      assertTrue(errorLines(truncated.output()).startsWith("lading: the archive is truncated"),
          truncated.output());
      assertTrue(ok(nobody(g, "store", "ls")).startsWith("0 images and tags;"));
      assertEquals(List.of(), files(g.resolve(".lading/tmp")));
    }
  }

  @Test
  void aStoreTarredByRootWorksRestoredAsNobodyElsewhereWithOtherTimes() throws IOException {
    Path a = shared.resolve("portable-a");
    LocalRegistry registry = LocalRegistry.start();
    int port = registry.port();
    String base = registry.hostPort() + "/base:1";
    try {
      BaseImages.push("minimal", base);
      fill(a, base, false);
    } finally {
      registry.close();
    }
    Path tgz = shared.resolve("portable.tgz");
    Processes.check(List.of("tar", "-C", a.toString(), "--mtime=2001-02-03 04:05:06", "-czf",
        tgz.toString(), "."), 120);
    Processes.check(List.of("chmod", "a+r", tgz.toString()), 30);
    Path b = shared.resolve("restored").resolve("elsewhere-b");
    asNobody("mkdir", "-p", b.toString());
    asNobody("tar", "-C", b.toString(), "-xzf", tgz.toString());

    assertTrue(ok(nobody(b, "store", "fsck")).contains("clean: 6 blobs"));
    String ls = ok(nobody(b, "store", "ls"));
    assertTrue(ls.contains("docker.io/library/app:1") && ls.contains(base), ls);
    assertTrue(ok(nobody(b, "inspect", "store:app:1")).contains("\"mediaType\""));
    Path rootfs = shared.resolve("rootfs-portable");
    ok(nobody(b, "unpack", "-q", "store:app:1", rootfs.toString()));
    assertEquals("built into portable-a\n", Files.readString(rootfs.resolve("note.txt")));
    String built = ok(nobody(b, "build", "-t", "offline:1",
        context("ctx-portable", base, "offline\n").toString()));
    assertTrue(built.contains("built 1 layer into the store as docker.io/library/offline:1"), built);

    try (LocalRegistry again = LocalRegistry.startOnPort(port)) {
      BaseImages.push("minimal", base);
      String copied = ok(nobody(b, "copy", "docker://" + base, "store:" + base));
      assertTrue(copied.contains("copied 0 blobs (0 B), 2 already there"), copied);
    }
  }

  @Test
  void aStoreMadeByNobodyWorksForRootWhenRestoredWithItsOwners() throws IOException {
    Assumptions.assumeTrue(AsNobody.root(), "needs root to restore another user's files");
    Path n = shared.resolve("nobody-n");
    try (LocalRegistry registry = LocalRegistry.start()) {
      String base = registry.hostPort() + "/base:1";
      BaseImages.push("minimal", base);
      fill(n, base, true);
      Path tgz = shared.resolve("nobody.tgz");
      asNobody("tar", "-C", n.toString(), "--mtime=2037-12-31", "-czf", tgz.toString(), ".");
      Path r = Files.createDirectories(shared.resolve("root-r"));
      Processes.check(List.of("tar", "-C", r.toString(), "-xpzf", tgz.toString()), 120);
      assertEquals(65534, Files.getAttribute(r.resolve(".lading/locks/lease.lock"), "unix:uid"),
          "tar -p as root keeps nobody's files nobody's");

      assertTrue(ok(self(r, "store", "fsck")).contains("clean: 6 blobs"));
      assertTrue(ok(self(r, "store", "ls")).contains("docker.io/library/app:1"));
      Path rootfs = shared.resolve("rootfs-root");
      ok(self(r, "unpack", "-q", "store:app:1", rootfs.toString()));
      assertEquals("built into nobody-n\n", Files.readString(rootfs.resolve("note.txt")));
      ok(self(r, "build", "--no-cache", "-t", "app:2", context("ctx-root", base, "root\n").toString()));
      String copied = ok(self(r, "copy", "docker://" + base, "store:" + base));
      assertTrue(copied.contains("copied 0 blobs (0 B), 2 already there"), copied);
      // And nobody can go on using it after root did.
      assertTrue(ok(nobody(r, "store", "fsck")).contains("clean: "));
      ok(nobody(r, "build", "--no-cache", "-t", "app:3", context("ctx-after", base, "after\n").toString()));
    }
  }

  @Test
  void baseLayersTheStoreNeverFetchedTravelAsOriginsOrWithFetchMissingAsBytes() throws IOException {
    Path l = shared.resolve("lazy-l");
    Path archive = shared.resolve("lazy.tar");
    Path full = shared.resolve("lazy-full.tar");
    String layerHex;
    String base;
    try (LocalRegistry registry = LocalRegistry.start()) {
      base = registry.hostPort() + "/base:1";
      BaseImages.push("minimal", base);
      ok(self(l, "copy", "-q", "docker://" + base, "store:" + base));
      // What a plugin build leaves: the base's layer referenced, its origin known, its bytes never fetched.
      Path layer = files(l.resolve("blobs/sha256")).stream()
          .max((x, y) -> Long.compare(x.toFile().length(), y.toFile().length())).orElseThrow();
      layerHex = layer.getFileName().toString();
      Files.delete(layer);
      assertTrue(ok(self(l, "store", "fsck")).contains("1 base layers not fetched (available from "
          + registry.hostPort() + "/base)"));

      String exported = ok(self(l, "store", "export", archive.toString()));
      assertTrue(exported.contains("2 blobs") && exported.contains("1 base layers the store never"
          + " downloaded are not included"), exported);
      String fetched = ok(self(l, "store", "export", "--fetch-missing", full.toString()));
      assertTrue(fetched.contains("fetched 1 base layers") && fetched.contains("3 blobs"), fetched);
      Processes.check(List.of("chmod", "a+r", archive.toString(), full.toString()), 30);

      Path online = shared.resolve("lazy-online");
      String imported = ok(nobody(online, "store", "import", archive.toString()));
      assertTrue(imported.contains("1 origins recorded"), imported);
      ok(nobody(online, "unpack", "-q", "store:" + base, shared.resolve("rootfs-lazy-online").toString()));
    }
    Path offline = shared.resolve("lazy-offline");
    ok(nobody(offline, "store", "import", archive.toString()));
    Processes.Result unpack = nobody(offline, "unpack", "-q", "store:" + base,
        shared.resolve("rootfs-lazy-offline").toString());
    assertEquals(1, unpack.exitCode(), unpack.output());
    assertTrue(unpack.output().contains(layerHex), "names the layer it cannot fetch: " + unpack.output());

    Path whole = shared.resolve("lazy-whole");
    ok(nobody(whole, "store", "import", full.toString()));
    ok(nobody(whole, "unpack", "-q", "store:" + base, shared.resolve("rootfs-lazy-whole").toString()));
  }

  /** A file in a tar: its name and where its bytes start. */
  private record TarMember(String name, long dataOffset, long size) {}

  /** The largest file of a plain ustar archive (the base layer), read from its 512-byte headers. */
  private static TarMember largestMember(byte[] tar) {
    TarMember largest = null;
    int offset = 0;
    while (offset + 512 <= tar.length && tar[offset] != 0) {
      String name = new String(tar, offset, 100, StandardCharsets.US_ASCII).replace("\0", "");
      long size = Long.parseLong(new String(tar, offset + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
      if (largest == null || size > largest.size) {
        largest = new TarMember(name, offset + 512, size);
      }
      offset += 512 + (int) ((size + 511) / 512 * 512);
    }
    return largest;
  }

  /** The lines of a command's output that are not progress ("imported 1.0 MiB of ..."). */
  private static String errorLines(String output) {
    return String.join("\n", output.strip().lines().filter(l -> !l.strip().startsWith("imported "))
        .toList());
  }
}
