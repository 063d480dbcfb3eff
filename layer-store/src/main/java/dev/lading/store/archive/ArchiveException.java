package dev.lading.store.archive;

import java.io.IOException;

/** An archive that cannot be imported (damaged, truncated, unsafe or incomplete); its message says which. */
public final class ArchiveException extends IOException {
  public ArchiveException(String message) {
    super(message);
  }

  public ArchiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
