package dev.lading.transfer;

import java.nio.file.Path;
import java.util.Objects;

/** A tar of an OCI image layout: {@code oci-archive:PATH[:REF]}; REF is an {@code org.opencontainers.image.ref.name}. */
public record OciArchiveLocation(Path path, String ref) implements ImageLocation {
  public OciArchiveLocation {
    Objects.requireNonNull(path, "path");
    if (ref != null && ref.isEmpty()) {
      throw new IllegalArgumentException("the ref of oci-archive:" + path + " is empty; use null for none");
    }
  }

  /** The location without a ref: the only image there. */
  public static OciArchiveLocation of(Path path) {
    return new OciArchiveLocation(path, null);
  }

  @Override
  public String text() {
    return "oci-archive:" + path + (ref == null ? "" : ":" + ref);
  }

  @Override
  public String toString() {
    return text();
  }
}
