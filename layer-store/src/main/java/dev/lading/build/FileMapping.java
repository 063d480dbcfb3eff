package dev.lading.build;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One input of a layer: a file or directory on disk and where it goes in the image. A directory's
 * contents are placed below {@code target}.
 */
public record FileMapping(Path source, String target) {
  public FileMapping {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    if (!target.startsWith("/")) {
      throw new IllegalArgumentException("in-image path '" + target + "' of " + source
          + " must be absolute (start with '/')");
    }
    source = source.toAbsolutePath().normalize();
  }
}
