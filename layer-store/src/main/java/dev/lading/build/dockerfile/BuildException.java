package dev.lading.build.dockerfile;

import java.io.IOException;

/** A Dockerfile build failed; the message names the line and instruction and says what to do. */
public final class BuildException extends IOException {
  public BuildException(String message) {
    super(message);
  }

  public BuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
