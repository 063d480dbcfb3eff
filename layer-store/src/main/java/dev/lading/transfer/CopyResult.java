package dev.lading.transfer;

import dev.lading.model.Descriptor;
import java.util.Objects;

/**
 * What a copy did.
 *
 * @param source where the image came from
 * @param destination where it went
 * @param sourceManifest the source's manifest or index that was read (its digest as the source has it;
 *     for a docker-archive, which has none, the manifest built for it)
 * @param written the manifest or index written at the destination; its digest differs from the
 *     source's when a platform was picked from an index or the format was converted
 * @param blobsCopied blobs whose bytes were written at the destination
 * @param blobsSkipped blobs the destination already had
 * @param blobsMounted blobs a registry linked from another repository
 * @param bytesCopied bytes of the copied blobs
 * @param blobsFetched blobs whose bytes moved into the store on the way (from the source, or from a
 *     blob's origin registry when the source is the store and lacked it)
 * @param bytesFetched bytes of the fetched blobs
 */
public record CopyResult(ImageLocation source, ImageLocation destination, Descriptor sourceManifest,
    Descriptor written, int blobsCopied, int blobsSkipped, int blobsMounted, long bytesCopied,
    int blobsFetched, long bytesFetched) {
  public CopyResult {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(sourceManifest, "sourceManifest");
    Objects.requireNonNull(written, "written");
  }
}
