package dev.lading.transfer;

import java.io.IOException;

/**
 * The location names no image: an unknown tag, repository, ref or file. The message is one line
 * saying what is missing and what to do.
 */
public final class ImageNotFoundException extends IOException {
  public ImageNotFoundException(String message) {
    super(message);
  }

  public ImageNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
