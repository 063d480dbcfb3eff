package dev.lading.store;

import dev.lading.digest.Digest;
import java.util.List;

/**
 * What {@link Store#gc()} did.
 *
 * @param referenced blobs kept because a ref reaches them
 * @param keptYoung unreferenced blobs kept because they are younger than the grace period
 * @param removed unreferenced blobs deleted
 * @param bytesRemoved their total size
 * @param originsRemoved origin records deleted because no ref needs their blob any more
 */
public record GcReport(int referenced, int keptYoung, List<Digest> removed, long bytesRemoved,
    int originsRemoved) {
  public GcReport {
    removed = List.copyOf(removed);
  }
}
