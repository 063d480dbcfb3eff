package dev.lading.model;

import java.util.List;
import java.util.stream.Collectors;

/** An image index has no image for the platform asked for; lists the platforms it does have. */
public class NoMatchingPlatformException extends RuntimeException {
  private final Platform wanted;
  private final List<Platform> available;

  public NoMatchingPlatformException(String image, Platform wanted, List<Platform> available) {
    super(image + " has no image for " + wanted + "; "
        + (available.isEmpty()
            ? "it names no platforms at all"
            : "available platforms: " + available.stream().map(Platform::toString)
                .collect(Collectors.joining(", ")) + " (set the platform to one of these)"));
    this.wanted = wanted;
    this.available = List.copyOf(available);
  }

  public Platform wanted() {
    return wanted;
  }

  public List<Platform> available() {
    return available;
  }
}
