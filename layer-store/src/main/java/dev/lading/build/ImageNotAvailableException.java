package dev.lading.build;

import java.io.IOException;

/**
 * An image (or one of its blobs) is needed but neither in the store nor reachable: offline without a
 * seeded store, or an unknown image. The message names the image and what to do.
 */
public final class ImageNotAvailableException extends IOException {
  public ImageNotAvailableException(String message) {
    super(message);
  }

  public ImageNotAvailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
