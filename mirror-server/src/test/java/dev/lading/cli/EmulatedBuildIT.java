package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.Json;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading build --platform linux/arm64} with RUN steps, as {@code nobody}: proot hands the
 * image's programs to qemu-aarch64-static, and {@code lading run} of the image does the same. The
 * base is Debian's arm64 busybox-static, fetched from Debian's archive by
 * tools/make-base-image.sh busybox-arm64.
 */
class EmulatedBuildIT {
  @TempDir static Path shared;
  private static Path jar;

  @BeforeAll
  static void copyTheJar() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("debootstrap", "debootstrap");
    RequiredTool.require("proot", "proot");
    RequiredTool.require("qemu-aarch64-static", "qemu-user-static");
    jar = AsNobody.jar(shared);
  }

  @Test
  void runStepsOfAnArm64StageRunUnderProotAndQemu() throws IOException {
    String base = AsNobody.baseImage("busybox-arm64",
        Path.of(System.getProperty("java.io.tmpdir"), "lading-it-bases"));
    Path ctx = Files.createDirectories(shared.resolve("arm64"));
    Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base + "\n"
        + "RUN uname -m > /arch && echo built > /hi\n"
        + "RUN --mount=type=cache,target=/cache echo run >> /cache/runs && cp /cache/runs /runs\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    Path store = shared.resolve("store");
    Processes.Result build = AsNobody.lading(jar, List.of("LADING_STORE=" + store), List.of(), "build",
        "--platform", "linux/arm64", "-t", "arm:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("executor: proot with ") && build.output().contains("qemu-aarch64"),
        build.output());

    var manifest = Json.mapper().readTree(Processes.check(List.of("skopeo", "inspect", "--raw",
        "oci:" + store + ":docker.io/library/arm:1"), 60));
    var config = Json.mapper().readTree(Processes.check(List.of("skopeo", "inspect", "--raw", "--config",
        "oci:" + store + ":docker.io/library/arm:1"), 60));
    assertEquals("arm64", config.path("architecture").asText());
    Path blobs = store.resolve("blobs/sha256");
    String first = manifest.path("layers").get(1).path("digest").asText().substring("sha256:".length());
    assertEquals("aarch64\n", file(blobs.resolve(first), "arch"), "uname ran emulated");
    String cached = manifest.path("layers").get(2).path("digest").asText().substring("sha256:".length());
    assertEquals("run\n", file(blobs.resolve(cached), "runs"));

    Processes.Result run = AsNobody.lading(jar, List.of("LADING_STORE=" + store), List.of(), "run", "-q",
        "store:arm:1", "--", "sh", "-c", "uname -m; cat /hi");
    assertEquals(0, run.exitCode(), run.output());
    assertEquals("aarch64\nbuilt", run.output().strip(), "lading run emulates too");
  }

  @Test
  void chownsOfAnArm64StagesProgramsReachTheLayer() throws IOException {
    // No libfakeroot loads into another machine's programs: the owner log built for arm64 records
    // the chowns of the image's (here a glibc program, with Debian's arm64 loader and libc).
    RequiredTool.require("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu libc6-dev-arm64-cross");
    String base = AsNobody.baseImage("busybox-arm64",
        Path.of(System.getProperty("java.io.tmpdir"), "lading-it-bases"));
    Path ctx = Files.createDirectories(shared.resolve("arm64-chown"));
    Processes.check(List.of("aarch64-linux-gnu-gcc", "-O2", "-o", ctx.resolve("chown-calls").toString(),
        Path.of("src/test/resources/owner-log/chown-calls.c").toAbsolutePath().toString()), 120);
    for (String lib : List.of("ld-linux-aarch64.so.1", "libc.so.6")) {
      Files.copy(Path.of("/usr/aarch64-linux-gnu/lib", lib), ctx.resolve(lib));
    }
    Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base + "\n"
        + "COPY ld-linux-aarch64.so.1 libc.so.6 /lib/\n"
        + "COPY chown-calls /bin/chown-calls\n"
        + "RUN mkdir /data && touch /data/f && chown-calls chown 1000 1001 /data \\\n"
        + "    && chown-calls fchownat 5 6 /data/f\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    Path store = shared.resolve("store-chown");
    Processes.Result build = AsNobody.lading(jar, List.of("LADING_STORE=" + store), List.of(), "build",
        "--platform", "linux/arm64", "-t", "arm:chown", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("chown is recorded for the image's dynamically linked programs"),
        build.output());
    List<java.util.TreeMap<String, String>> layers = LayerListing.layers(store, "docker.io/library/arm:chown");
    java.util.TreeMap<String, String> run = layers.get(layers.size() - 1);
    assertEquals("d 755 1000:1001", run.get("data/"), run.toString());
    assertEquals("f 644 5:6", run.get("data/f"), run.toString());
  }

  /** The content of {@code name} in a gzip layer. */
  private static String file(Path blob, String name) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(blob));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.getName().replaceAll("^\\./", "").replaceAll("^/", "").equals(name)) {
          return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    }
    throw new AssertionError(name + " is not in " + blob);
  }
}
