package dev.lading.cli;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Test base images, made locally by tools/make-base-image.sh with umoci (no internet registry). */
final class BaseImages {
  private BaseImages() {}

  /** Builds (or reuses) a variant and returns its layout reference, {@code oci:DIR:latest}. */
  static String layout(String variant) throws IOException {
    RequiredTool.require("umoci", "umoci");
    Path script = Path.of(System.getProperty("lading.tools", "../tools")).resolve("make-base-image.sh");
    String out = Processes.check(List.of("bash", script.toString(), variant), 600);
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  /** Builds (or reuses) a variant and pushes it to {@code target} (host:port/repo:tag). */
  static void push(String variant, String target) throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("skopeo", "skopeo");
    Path script = Path.of(System.getProperty("lading.tools", "../tools")).resolve("make-base-image.sh");
    Processes.check(List.of("bash", script.toString(), variant, "--push", target), 600);
  }
}
