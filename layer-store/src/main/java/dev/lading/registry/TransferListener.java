package dev.lading.registry;

import dev.lading.digest.Digest;

/**
 * Receives progress of blob transfers (downloads and uploads). Called from the transferring thread,
 * often (every buffer); implementations must be fast and thread-safe, since blobs move in parallel.
 */
@FunctionalInterface
public interface TransferListener {
  /** A listener that ignores progress. */
  TransferListener NONE = (blob, bytesSoFar, total) -> { };

  /** {@code bytesSoFar} of {@code total} bytes of {@code blob} are transferred (resumed bytes count). */
  void onProgress(Digest blob, long bytesSoFar, long total);
}
