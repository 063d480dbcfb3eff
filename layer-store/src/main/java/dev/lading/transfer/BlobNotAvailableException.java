package dev.lading.transfer;

import java.io.IOException;

/**
 * A blob the store lacks and cannot get now: no origin is known, the transfer is offline, or every
 * registry that should hold it failed (the last failure is the cause). The message says what to do.
 */
public final class BlobNotAvailableException extends IOException {
  public BlobNotAvailableException(String message) {
    super(message);
  }

  public BlobNotAvailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
