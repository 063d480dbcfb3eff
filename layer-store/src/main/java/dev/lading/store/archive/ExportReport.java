package dev.lading.store.archive;

import java.util.List;

/**
 * What {@link StoreExport} wrote.
 *
 * @param refs named images exported
 * @param tags repository tags exported
 * @param blobs blob files written
 * @param bytes bytes of those blobs
 * @param absentWithOrigins blobs the images need that the store lacks (lazy base layers): not in
 *     the archive, but their origins are, so the importing store fetches them when needed
 * @param skipped images left out, one line each saying why
 */
public record ExportReport(int refs, int tags, int blobs, long bytes, int absentWithOrigins,
    List<String> skipped) {
  public ExportReport {
    skipped = List.copyOf(skipped);
  }
}
