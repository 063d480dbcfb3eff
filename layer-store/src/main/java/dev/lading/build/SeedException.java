package dev.lading.build;

import java.io.IOException;

/**
 * Seeding stopped at one image. The images before it stay seeded: {@link #done()} counts them, so a
 * caller can say how far it got.
 */
public final class SeedException extends IOException {
  private final transient SeedImage image;
  private final transient SeedResult done;

  public SeedException(SeedImage image, SeedResult done, Exception cause) {
    super("cannot seed " + (image.writtenAs() != null ? image.writtenAs() : image.reference()) + ": "
        + messageOf(cause), cause);
    this.image = image;
    this.done = done;
  }

  /** The image that failed. */
  public SeedImage image() {
    return image;
  }

  /** What was seeded before the failure. */
  public SeedResult done() {
    return done;
  }

  private static String messageOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
            ? "cannot reach the registry (" + t.getMessage() + "); check its address and that it is running"
            : t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }
}
