package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lading.digest.Digest;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks writer and extractor against umoci: layers written by {@link ReproducibleLayer} are put in
 * a hand-written OCI layout, unpacked by {@code umoci unpack --rootless}, and the tree must match what
 * {@link LayerExtractor} makes of the same layers.
 */
class UmociCrossCheckTest {
  @TempDir Path tmp;

  @Test
  void umociAndLayerExtractorProduceTheSameTree() throws IOException {
    RequiredTool.require("umoci", "umoci");
    Instant mtime = Instant.parse("2022-02-02T02:02:02Z");
    ReproducibleLayer base = ReproducibleLayer.builder()
        .add(LayerEntry.file("/app/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8)).withMode(0755))
        .add(LayerEntry.file("/app/libs/a.jar", new byte[] {1, 2, 3}))
        .add(LayerEntry.file("/app/libs/old.jar", new byte[] {4}))
        .add(LayerEntry.hardlink("/app/libs/same.jar", "/app/libs/a.jar"))
        .add(LayerEntry.symlink("/etc/localtime", "/usr/share/zoneinfo/UTC"))
        .add(LayerEntry.symlink("/app/up", "../../../../../usr/lib"))
        .add(LayerEntry.file("/cache/x", new byte[] {9}))
        .add(LayerEntry.file("/cache/sub/y", new byte[] {8}))
        .add(LayerEntry.file("/opt/" + "long-directory-name-".repeat(8) + "/file", new byte[] {7}))
        .add(LayerEntry.directory("/tmp").withMode(01777))
        .add(LayerEntry.file("/app/readonly", new byte[] {5}).withMode(0444))
        .add(LayerEntry.directory("/proc").withMode(0555))
        .mtime(mtime)
        .build();
    ReproducibleLayer upper = ReproducibleLayer.builder()
        .add(LayerEntry.file("/app/libs/.wh.old.jar", new byte[0]))
        .add(LayerEntry.file("/cache/.wh..wh..opq", new byte[0]))
        .add(LayerEntry.file("/cache/z", new byte[] {6}))
        .add(LayerEntry.file("/app/run.sh", "#!/bin/sh\necho v2\n".getBytes(StandardCharsets.UTF_8)).withMode(0750))
        .mtime(mtime)
        .build();

    Path layout = Files.createDirectories(tmp.resolve("layout"));
    Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
    List<LayerResult> layers = new ArrayList<>();
    List<Path> layerFiles = new ArrayList<>();
    for (ReproducibleLayer layer : List.of(base, upper)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      LayerResult result = layer.writeTo(out);
      Path file = blobs.resolve(result.digest().hex());
      Files.write(file, out.toByteArray());
      layers.add(result);
      layerFiles.add(file);
    }
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
        + "\"diff_ids\":[\"" + layers.get(0).diffId() + "\",\"" + layers.get(1).diffId() + "\"]}}";
    Digest configDigest = writeBlob(blobs, config);
    StringBuilder manifest = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length() + "},\"layers\":[");
    for (int i = 0; i < layers.size(); i++) {
      LayerResult l = layers.get(i);
      manifest.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
          + "\"digest\":\"").append(l.digest()).append("\",\"size\":").append(l.size()).append('}');
    }
    manifest.append("]}");
    Digest manifestDigest = writeBlob(blobs, manifest.toString());
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":"
        + manifest.length() + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"test\"}}]}");

    Path bundle = tmp.resolve("bundle");
    Processes.check(List.of("umoci", "unpack", "--rootless", "--image", layout + ":test", bundle.toString()), 120);

    Map<String, String> umociTree = describe(bundle.resolve("rootfs"), false);
    // Unprivileged, our extractor keeps u+rw (files) and u+rwx (directories) on disk so later steps
    // can change the tree; the intended modes live in the sidecar. Otherwise the trees are identical.
    Path unprivileged = extractAll(layerFiles, "ours-unprivileged", false);
    assertEquals(describe(bundle.resolve("rootfs"), true), describe(unprivileged, false));
    assertEquals(hardlinkGroups(bundle.resolve("rootfs")), hardlinkGroups(unprivileged));
    assertEquals(Integer.toOctalString(0555), OwnershipMap.load(tmp.resolve("ours-unprivileged.ownership.json"))
        .entries().get("/proc").mode());
    if ((int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0) {
      Path privileged = extractAll(layerFiles, "ours-root", true);
      assertEquals(umociTree, describe(privileged, false));
      assertEquals(hardlinkGroups(bundle.resolve("rootfs")), hardlinkGroups(privileged));
    }
    // Sanity: the interesting cases are in the tree at all.
    assertEquals("link:/usr/share/zoneinfo/UTC", umociTree.get("etc/localtime").split(" ")[0]);
    assertEquals(List.of("z"), umociTree.keySet().stream().filter(k -> k.startsWith("cache/"))
        .map(k -> k.substring(6)).toList());
  }

  private Path extractAll(List<Path> layerFiles, String name, boolean preserveOwnership) throws IOException {
    Path root = Files.createDirectory(tmp.resolve(name));
    LayerExtractor.Builder builder = LayerExtractor.builder().preserveOwnership(preserveOwnership);
    if (!preserveOwnership) {
      builder.ownershipFile(tmp.resolve(name + ".ownership.json"));
    }
    LayerExtractor extractor = builder.build();
    for (Path file : layerFiles) {
      extractor.apply(root, file);
    }
    return root;
  }

  private static Digest writeBlob(Path blobs, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.of(bytes);
    Files.write(blobs.resolve(digest.hex()), bytes);
    return digest;
  }

  /**
   * Type, content, link target, permissions and mtime of every path below {@code root}; with
   * {@code ownerWritable} the modes as an unprivileged extraction leaves them on disk.
   */
  private static Map<String, String> describe(Path root, boolean ownerWritable) throws IOException {
    Map<String, String> tree = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (p.equals(root)) {
          continue;
        }
        String what;
        int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        if (Files.isSymbolicLink(p)) {
          what = "link:" + Files.readSymbolicLink(p);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          what = "dir";
          mode |= ownerWritable ? 0700 : 0;
        } else {
          what = "file:" + Digest.of(p).shortHex();
          mode |= ownerWritable ? 0600 : 0;
        }
        Instant mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
        tree.put(root.relativize(p).toString(), what + " " + Integer.toOctalString(mode) + " " + mtime);
      }
    }
    return tree;
  }

  private static List<TreeSet<String>> hardlinkGroups(Path root) throws IOException {
    Map<Object, TreeSet<String>> byInode = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
            && (int) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1) {
          long ino = (long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
          byInode.computeIfAbsent(ino, k -> new TreeSet<>()).add(root.relativize(p).toString());
        }
      }
    }
    return new ArrayList<>(byInode.values());
  }
}
