package dev.lading.transfer;

import java.nio.file.Path;
import java.util.Objects;

/** A {@code docker save} tarball: {@code docker-archive:PATH[:REF]}; REF is one of its RepoTags, e.g. {@code demo/app:1}. */
public record DockerArchiveLocation(Path path, String ref) implements ImageLocation {
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
