package dev.lading.store.archive;

/**
 * What {@link StoreImport} did.
 *
 * @param refs named images set
 * @param tags repository tags set
 * @param blobsWritten blobs verified and added to the store
 * @param bytesWritten bytes of those blobs
 * @param blobsPresent blobs of the archive the store already had (skipped unread)
 * @param origins origin records added for blobs the archive did not carry (lazy base layers)
 * @param unnamed images in the archive's {@code index.json} without a name, so without a ref (their
 *     blobs are stored; gc removes them unless something names them)
 */
public record ImportReport(int refs, int tags, int blobsWritten, long bytesWritten,
    int blobsPresent, int origins, int unnamed) {}
