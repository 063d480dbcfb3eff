package dev.lading.store;

import java.io.IOException;

/**
 * A lock on one entry of a store cache ({@link StoreWorkAreas#lockCacheEntry}), shared or
 * exclusive, held against other threads of this JVM and other processes until closed.
 */
public final class CacheLock implements AutoCloseable {
  private final ProcessLocks.Held held;

  CacheLock(ProcessLocks.Held held) {
    this.held = held;
  }

  /** Releases the lock; calling it again does nothing. */
  @Override
  public void close() throws IOException {
    held.close();
  }
}
