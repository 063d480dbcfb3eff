package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.layer.LayerEntry;
import dev.lading.model.Json;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code lading copy} killed with SIGKILL in the middle of a pull leaves a store that fsck finds
 * clean, with no half-written blob visible; the next copy completes with the right digests.
 */
class StoreSafetyIT {
  private static LocalRegistry registry;
  private static String image;
  private static Digest layer;

  @TempDir static Path shared;
  @TempDir Path tmp;

  @BeforeAll
  static void pushALargeImage() throws Exception {
    registry = LocalRegistry.start();
    image = registry.hostPort() + "/big/random:1";
    layer = pushImageWithALargeLayer(shared, image);
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void aKilledPullLeavesACleanStoreAndTheNextPullCompletes() throws Exception {
    Path store = tmp.resolve("store");
    LadingJar lading = new LadingJar(store);

    Process pull = lading.start("copy", "--parallel", "1", "docker://" + image, "store:big");
    boolean killedMidway = waitForPartialDownloadThenKill(pull, store, layer);
    assertTrue(killedMidway, "the pull finished before it could be killed; make the layer larger");
    assertEquals(137, pull.waitFor(), "killed with SIGKILL");

    assertFalse(Files.exists(store.resolve("blobs/sha256/" + layer.hex())),
        "no half-written blob is visible");
    String fsck = lading.ok("store", "fsck");
    assertTrue(fsck.contains("clean"), fsck);

    String digest = lastLine(lading.ok("copy", "docker://" + image, "store:big"));
    String skopeo = Processes.check(List.of(RequiredTool.require("skopeo", "skopeo").toString(),
        "inspect", "--tls-verify=false", "docker://" + image), 60);
    assertEquals(Json.mapper().readTree(skopeo).get("Digest").asText(), digest);
    assertEquals(layer, Digest.of(store.resolve("blobs/sha256/" + layer.hex())));
    assertTrue(lading.ok("store", "fsck").contains("clean"));
  }

  @Test
  void twoProcessesPullingIntoOneStoreAtOnceBothSucceed() throws Exception {
    Path store = tmp.resolve("shared-store");
    LadingJar lading = new LadingJar(store);
    Path log1 = tmp.resolve("pull1.log");
    Path log2 = tmp.resolve("pull2.log");
    Process first = lading.start(log1, "copy", "docker://" + image, "store:first");
    Process second = lading.start(log2, "copy", "docker://" + image, "store:second");
    assertEquals(0, first.waitFor(), Files.readString(log1));
    assertEquals(0, second.waitFor(), Files.readString(log2));
    String ls = lading.ok("store", "ls");
    assertTrue(ls.contains("docker.io/library/first:latest") && ls.contains("docker.io/library/second:latest"), ls);
    assertTrue(lading.ok("store", "fsck").contains("clean"));
  }

  /**
   * A pull into a store whose file system fills up fails with a message that says how to get the
   * space back, shows no half blob, and the partial download it keeps is listed and reclaimed by
   * {@code gc --grace 0s} (before, only {@code rm} freed the disk).
   */
  @Test
  void aFullDiskFailsCleanlyAndGcReclaimsThePartialDownload() throws Exception {
    Path mount = tmp.resolve("small-fs");
    Files.createDirectories(mount);
    // A 40 MiB file system for a 96 MiB layer; mounting needs root, as CI runs.
    Processes.Result mounted = Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=40m",
        "tmpfs", mount.toString()), 30);
    RequiredTool.requireThat(mounted.exitCode() == 0,
        "cannot mount a small tmpfs (needs root): " + mounted.output());
    try {
      Path store = mount.resolve("store");
      LadingJar lading = new LadingJar(store);
      Processes.Result full = lading.run("copy", "--parallel", "1", "docker://" + image, "store:big");
      assertEquals(1, full.exitCode(), full.output());
      String error = full.output();
      assertTrue(error.contains("No space left on device") && error.contains(store.toString())
          && error.contains("lading store gc --grace 0s") && error.contains("--max-size"), error);
      assertFalse(error.contains("\tat "), "no stack trace for a full disk: " + error);
      assertFalse(Files.exists(store.resolve("blobs/sha256/" + layer.hex())), "no half blob visible");

      String ls = lading.ok("store", "ls");
      assertTrue(ls.contains("1 partial downloads"), ls);
      String gc = lading.ok("store", "gc", "--grace", "0s");
      assertTrue(gc.contains("removed 1 partial downloads"), gc);
      assertTrue(partialFiles(store).stream().noneMatch(p -> p.toString().endsWith(".partial")));
      assertTrue(Files.getFileStore(mount).getUsableSpace() > (35L << 20), "the space is back");
      assertTrue(lading.ok("store", "fsck").contains("clean"));
    } finally {
      Processes.run(List.of("umount", "-l", mount.toString()), 30);
    }
  }

  /** Writes a one-layer image of ~96 MiB incompressible data into an OCI layout; skopeo pushes it. */
  private static Digest pushImageWithALargeLayer(Path tmp, String target) throws Exception {
    Path data = tmp.resolve("random.bin");
    byte[] chunk = new byte[1 << 20];
    Random random = new Random(42);
    try (var out = Files.newOutputStream(data)) {
      for (int i = 0; i < 96; i++) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
    Path layoutDir = tmp.resolve("layout");
    Digest layer = LayoutImages.oneLayer(layoutDir, "x", LayerEntry.file("/data/random.bin", data));
    Processes.check(List.of(RequiredTool.require("skopeo", "skopeo").toString(), "copy",
        "--dest-tls-verify=false", "oci:" + layoutDir + ":x", "docker://" + target), 300);
    return layer;
  }

  /** Kills the process with SIGKILL once a partial download of {@code blob} holds over 4 MiB. */
  private static boolean waitForPartialDownloadThenKill(Process p, Path store, Digest blob)
      throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline && p.isAlive()) {
      for (Path partial : partialFiles(store)) {
        if (partial.getFileName().toString().contains(blob.hex()) && Files.size(partial) > (4 << 20)) {
          p.destroyForcibly(); // SIGKILL on Linux
          return true;
        }
      }
      Thread.sleep(5);
    }
    return false;
  }

  private static List<Path> partialFiles(Path store) throws Exception {
    List<Path> found = new ArrayList<>();
    Path privateDir = store.resolve(".lading");
    if (Files.isDirectory(privateDir)) {
      try (Stream<Path> files = Files.walk(privateDir)) {
        files.filter(Files::isRegularFile).forEach(found::add);
      }
    }
    return found;
  }

  private static String lastLine(String output) {
    return output.strip().lines().reduce((a, b) -> b).orElse("");
  }
}
