package dev.lading.exec;

import java.io.IOException;

/** An executor could not run a command at all; the message says what to install or change. */
public class ExecutorException extends IOException {
  public ExecutorException(String message) {
    super(message);
  }

  public ExecutorException(String message, Throwable cause) {
    super(message, cause);
  }
}
