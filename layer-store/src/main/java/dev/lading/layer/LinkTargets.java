package dev.lading.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * A symlink's target as the program that made it wrote it. Java's {@code readSymbolicLink} returns a
 * normalised path ({@code a//b} as {@code a/b}, {@code dir/} as {@code dir}), which is not what
 * buildah or tar record, and {@code dir/} resolves only to a directory. The link's size is its
 * target's length in bytes: where the two differ, {@code readlink(1)} reads the bytes.
 */
final class LinkTargets {
  private LinkTargets() {}

  static String read(Path link) throws IOException {
    String target = Files.readSymbolicLink(link).toString();
    long size = Files.readAttributes(link, "unix:size", LinkOption.NOFOLLOW_LINKS).get("size") instanceof Number n
        ? n.longValue() : -1;
    if (size == target.getBytes(StandardCharsets.UTF_8).length) {
      return target;
    }
    Process p = new ProcessBuilder(List.of("readlink", "-n", "--", link.toString()))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    try {
      if (p.waitFor() != 0) {
        return target;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while reading the link " + link);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
