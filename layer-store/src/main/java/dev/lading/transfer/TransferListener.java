package dev.lading.transfer;

import dev.lading.model.Descriptor;

/**
 * Progress of a copy, for the CLI and Maven logs. Blobs move in parallel, so methods are called from
 * several threads at once: implementations must be thread-safe and quick. Every method does nothing
 * by default.
 */
public interface TransferListener {
  /** A listener that ignores everything. */
  TransferListener NONE = new TransferListener() { };

  /** Work on a blob starts. */
  default void blobStarted(Descriptor blob) {}

  /** {@code bytesDone} of {@code blob.size()} bytes have moved (resumed bytes count as done). */
  default void blobProgress(Descriptor blob, long bytesDone) {}

  /** A blob is at its destination. */
  default void blobDone(Descriptor blob, BlobOutcome outcome) {}

  /** A step worth a log line ("selected linux/amd64", "writing manifest"). */
  default void info(String message) {}
}
