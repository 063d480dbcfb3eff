package dev.lading.transfer;

import dev.lading.model.ImageReference;
import java.util.Objects;
import java.util.Optional;

/**
 * A named image in the transfer's store: {@code store:REF}. The name is the canonical full
 * reference ({@code store:debian} is {@code docker.io/library/debian:latest}), so an image pulled
 * from {@code docker://X} into {@code store:X} keeps the name it came from.
 */
public record StoreLocation(String ref) implements ImageLocation {
  public StoreLocation {
    Objects.requireNonNull(ref, "ref");
    if (ref.isEmpty()) {
      throw new IllegalArgumentException("a store location needs a ref, e.g. store:debian:12");
    }
  }

  /** The location of {@code reference} in the store. */
  public static StoreLocation of(ImageReference reference) {
    return new StoreLocation(reference.toString());
  }

  /** The ref as an image reference, when it is one (the registry it came from, usually). */
  public Optional<ImageReference> reference() {
    try {
      return Optional.of(ImageReference.parse(ref));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public String text() {
    return "store:" + ref;
  }

  @Override
  public String toString() {
    return text();
  }
}
