package dev.lading.store;

import java.util.List;

/**
 * What a store holds and where its bytes are, for {@code lading store ls} and for choosing a size
 * cap.
 *
 * @param images every ref and repository tag, least recently used first, with the bytes of the
 *     blobs it reaches that are in the store (blobs shared by several images count in each)
 * @param blobs the number of blobs
 * @param blobBytes their total size
 * @param unreferencedBytes the bytes of blobs no name reaches (gc removes them after its grace)
 * @param partials partial downloads kept to resume them
 * @param partialBytes their bytes
 * @param otherBytes everything else: build caches, temp files, upload sessions, metadata
 */
public record StoreUsage(List<Image> images, int blobs, long blobBytes, long unreferencedBytes,
    int partials, long partialBytes, long otherBytes) {
  public StoreUsage {
    images = List.copyOf(images);
  }

  /** One named image and the bytes it keeps. */
  public record Image(NamedImage image, long bytes) {}

  /** The whole store's size on disk (apparent sizes). */
  public long totalBytes() {
    return blobBytes + partialBytes + otherBytes;
  }
}
