package dev.lading.transfer;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@code docker save} tarball: {@code docker-archive:PATH[:REF]}; REF is one of its RepoTags, e.g.
 * {@code demo/app:1}. Written, its layers are uncompressed tars as {@code docker save} writes them, or,
 * with {@code compressedLayers}, the gzip blobs as they are (as Jib's tar; {@code docker load} and
 * skopeo read both).
 */
public record DockerArchiveLocation(Path path, String ref, boolean compressedLayers) implements ImageLocation {
  /** A location whose layers are written uncompressed. */
  public DockerArchiveLocation(Path path, String ref) {
    this(path, ref, false);
  }

  public DockerArchiveLocation {
    Objects.requireNonNull(path, "path");
    if (ref != null && ref.isEmpty()) {
      throw new IllegalArgumentException("the ref of docker-archive:" + path + " is empty; use null for none");
    }
  }

  /** The location without a ref: the only image there. */
  public static DockerArchiveLocation of(Path path) {
    return new DockerArchiveLocation(path, null);
  }

  @Override
  public String text() {
    return "docker-archive:" + path + (ref == null ? "" : ":" + ref);
  }

  @Override
  public String toString() {
    return text();
  }
}
