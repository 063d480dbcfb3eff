package dev.lading.registry;

import java.io.IOException;

/**
 * A failure on our side of a transfer (reading the upload source, writing the download sink). It is
 * never retried as if the network had failed, and is reported as is.
 */
final class LocalIOException extends IOException {
  LocalIOException(String message, Throwable cause) {
    super(cause == null ? message : message + ": " + cause.getMessage(), cause);
  }
}
