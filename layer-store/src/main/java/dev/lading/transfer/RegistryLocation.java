package dev.lading.transfer;

import dev.lading.model.ImageReference;
import java.util.Objects;

/** An image in a registry: {@code docker://host[:port]/repository[:tag][@digest]}. */
public record RegistryLocation(ImageReference reference) implements ImageLocation {
  public RegistryLocation {
    Objects.requireNonNull(reference, "reference");
  }

  @Override
  public String text() {
    return "docker://" + reference;
  }

  @Override
  public String toString() {
    return text();
  }
}
