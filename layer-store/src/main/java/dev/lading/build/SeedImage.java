package dev.lading.build;

import dev.lading.model.ImageReference;
import java.util.Objects;

/**
 * An image to seed into the store. {@code writtenAs} is the text a Dockerfile names it by (null when it
 * came from elsewhere): Dockerfile builds look a FROM image up in the store by that text.
 */
public record SeedImage(ImageReference reference, String writtenAs) {
  public SeedImage {
    Objects.requireNonNull(reference, "reference");
  }

  /** An image given by its reference alone. */
  public static SeedImage of(ImageReference reference) {
    return new SeedImage(reference, null);
  }
}
