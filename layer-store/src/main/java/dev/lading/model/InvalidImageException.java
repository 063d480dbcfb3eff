package dev.lading.model;

/** An image document (manifest, index, config) or reference is malformed or inconsistent. */
public class InvalidImageException extends RuntimeException {
  public InvalidImageException(String message) {
    super(message);
  }

  public InvalidImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
