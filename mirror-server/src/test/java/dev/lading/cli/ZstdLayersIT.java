package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images whose layers are zstd-compressed ({@code application/vnd.oci.image.layer.v1.tar+zstd}, as
 * {@code skopeo copy --dest-compress-format zstd} or {@code buildx --compression zstd} write them),
 * as {@code nobody}: unpacked to the same tree as their gzip original, and built on with a RUN step
 * and an ADD of a {@code .tar.zst}, which is extracted as buildah extracts it.
 */
class ZstdLayersIT {
  @TempDir static Path shared;
  private static Path jar;
  private static String gzipBase;
  private static String zstdBase;

  @BeforeAll
  static void makeAZstdImage() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("zstd", "zstd");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    jar = AsNobody.jar(shared);
    gzipBase = AsNobody.baseImage("minimal", shared.resolve("bases"));
    Path layout = shared.resolve("zstd-layout");
    zstdBase = "oci:" + layout + ":z";
    Processes.check(List.of("skopeo", "--insecure-policy", "copy", "--quiet", "--dest-compress-format", "zstd",
        gzipBase, zstdBase), 300);
    Processes.check(List.of("chmod", "-R", "a+rX", layout.toString()), 60);
    String manifest = Processes.check(List.of("skopeo", "inspect", "--raw", zstdBase), 60);
    assertTrue(manifest.contains("application/vnd.oci.image.layer.v1.tar+zstd"), manifest);
  }

  private static Processes.Result lading(String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve("store")), List.of(), args);
  }

  @Test
  void aZstdImageUnpacksToTheTreeOfItsGzipOriginal() throws IOException {
    Path fromZstd = shared.resolve("from-zstd");
    Path fromGzip = shared.resolve("from-gzip");
    Processes.Result zstd = lading("unpack", "-q", zstdBase, fromZstd.toString());
    assertEquals(0, zstd.exitCode(), zstd.output());
    Processes.Result gzip = lading("unpack", "-q", gzipBase, fromGzip.toString());
    assertEquals(0, gzip.exitCode(), gzip.output());
    assertEquals(tree(fromGzip), tree(fromZstd));
  }

  @Test
  void aBuildOnAZstdBaseRunsStepsAndExtractsAZstdTar() throws IOException {
    Path ctx = Files.createDirectories(shared.resolve("ctx"));
    Path content = Files.createDirectories(shared.resolve("content/t"));
    Files.writeString(content.resolve("hello"), "hello from zstd\n");
    Processes.check(List.of("tar", "--zstd", "--numeric-owner", "--owner=12", "--group=34", "-C",
        content.getParent().toString(), "-cf", ctx.resolve("files.tar.zst").toString(), "t"), 60);
    Files.writeString(ctx.resolve("Dockerfile"), "FROM " + zstdBase + "\n"
        + "ADD files.tar.zst /opt/\n"
        + "RUN cat /opt/t/hello > /seen && ls /bin > /bin-listing\n");
    Processes.check(List.of("chmod", "-R", "a+rwX", ctx.toString()), 60);
    Processes.Result built = lading("build", "-t", "zstd:1", ctx.toString());
    assertEquals(0, built.exitCode(), built.output());

    List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve("store"), "docker.io/library/zstd:1");
    assertEquals("f 644 12:34", layers.get(1).get("opt/t/hello"), layers.get(1).toString());
    assertEquals(List.of("bin-listing", "seen"), List.copyOf(layers.get(2).keySet()));
    Processes.Result seen = lading("run", "-q", "store:zstd:1", "--", "cat", "/seen");
    assertEquals(0, seen.exitCode(), seen.output());
    assertEquals("hello from zstd", seen.output().strip());
  }

  /** Every path under {@code root} with its type and size (a file's), sorted. */
  private static List<String> tree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.sorted().map(p -> root.relativize(p) + (Files.isSymbolicLink(p) ? " link"
          : Files.isDirectory(p) ? " dir" : " " + size(p))).toList();
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
