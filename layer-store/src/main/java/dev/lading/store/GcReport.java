package dev.lading.store;

import dev.lading.digest.Digest;
import java.util.List;

/**
 * What {@link Store#gc()} did.
 *
 * @param referenced blobs kept because a ref or tag reaches them
 * @param keptYoung unreferenced blobs kept because they are younger than the grace period
 * @param removed unreferenced blobs deleted
 * @param bytesRemoved their total size
 * @param originsRemoved origin records deleted because no ref needs their blob any more
 * @param partialsRemoved partial downloads deleted (idle past the grace, or for the size cap)
 * @param partialBytesRemoved their bytes
 * @param evicted names (refs and tags) removed to fit the size cap, least recently used first
 * @param maxBytes the size cap, {@link Long#MAX_VALUE} for none
 * @param sizeAfter the store's size after a capped gc, -1 when there was no cap
 */
public record GcReport(int referenced, int keptYoung, List<Digest> removed, long bytesRemoved,
    int originsRemoved, int partialsRemoved, long partialBytesRemoved, List<String> evicted,
    long maxBytes, long sizeAfter) {
  public GcReport {
    removed = List.copyOf(removed);
    evicted = List.copyOf(evicted);
  }

  /** True when a size cap was asked for and the store is still larger (its images are in use). */
  public boolean overCap() {
    return sizeAfter > maxBytes;
  }
}
