package dev.lading.layer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageFormat;
import java.util.Objects;

/**
 * What writing a gzip layer produced: the diffId (sha256 of the uncompressed tar, which goes into the
 * image config's {@code rootfs.diff_ids}) and the digest and size of the compressed blob (which go into
 * the manifest's layer descriptor).
 */
public record LayerResult(Digest diffId, Digest digest, long size) {
  public LayerResult {
    Objects.requireNonNull(diffId, "diffId");
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new IllegalArgumentException("negative layer size " + size);
    }
  }

  /** The gzip layer media type of the given manifest family. */
  public static String mediaType(ImageFormat format) {
    return format.gzipLayerType();
  }

  /** The manifest descriptor of this layer in the given manifest family. */
  public Descriptor descriptor(ImageFormat format) {
    return Descriptor.of(mediaType(format), digest, size);
  }
}
