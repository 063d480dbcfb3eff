package dev.lading.it;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Unpacks a pushed image with umoci and runs commands inside it: with chroot as root, with proot
 * otherwise, so the ITs run the image's entrypoint as a container runtime would.
 */
final class Rootfs {
  private Rootfs() {}

  /** Fails (in CI) or skips unless the tools to unpack and run an image are installed. */
  static void requireTools() {
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("umoci", "umoci");
    if (!isRoot()) {
      RequiredTool.require("proot", "proot");
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Unpacks image {@code ref} of the OCI layout {@code layout} into {@code bundle}; returns its rootfs. */
  static Path unpack(Path layout, String ref, Path bundle) throws IOException {
    List<String> unpack = new ArrayList<>(List.of("umoci", "unpack"));
    if (!isRoot()) {
      unpack.add("--rootless");
    }
    unpack.addAll(List.of("--image", layout + ":" + ref, bundle.toString()));
    Processes.check(unpack, 300);
    return bundle.resolve("rootfs");
  }

  /** The command prefix that runs what follows with {@code rootfs} as its root directory. */
  static List<String> inside(Path rootfs) {
    return isRoot() ? List.of("chroot", rootfs.toString()) : List.of("proot", "-r", rootfs.toString());
  }
}
