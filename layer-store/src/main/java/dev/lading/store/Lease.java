package dev.lading.store;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Protects blobs from {@link Store#gc()} while it is held: take one around "write blobs, then set the
 * ref that references them", because between the two steps the new blobs are unreferenced. Many
 * leases (in any process) can be held at once; gc waits until none is held.
 */
public final class Lease implements AutoCloseable {
  private final ProcessLocks.Held held;

  Lease(ProcessLocks.Held held) {
    this.held = held;
  }

  /** Releases the lease; calling it again does nothing. */
  @Override
  public void close() {
    try {
      held.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the store lease", e);
    }
  }
}
