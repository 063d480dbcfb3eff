package dev.lading.transfer;

import java.nio.file.Path;
import java.util.Objects;

/** An OCI image layout directory: {@code oci:PATH[:REF]}; REF is an {@code org.opencontainers.image.ref.name}. */
public record LayoutLocation(Path path, String ref) implements ImageLocation {
  public LayoutLocation {
    Objects.requireNonNull(path, "path");
    if (ref != null && ref.isEmpty()) {
      throw new IllegalArgumentException("the ref of oci:" + path + " is empty; use null for none");
    }
  }

  /** The location without a ref: the only image there. */
  public static LayoutLocation of(Path path) {
    return new LayoutLocation(path, null);
  }

  @Override
  public String text() {
    return "oci:" + path + (ref == null ? "" : ":" + ref);
  }

  @Override
  public String toString() {
    return text();
  }
}
