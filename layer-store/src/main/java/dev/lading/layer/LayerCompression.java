package dev.lading.layer;

/**
 * Tells a layer's (or any tar's) compression from its first bytes: what the extractor, ADD and the
 * archive readers decide by, whatever a media type or file name claims.
 */
public final class LayerCompression {
  private LayerCompression() {}

  /** gzip: 1f 8b. */
  public static boolean isGzip(byte[] magic) {
    return magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
  }

  /** zstd: 28 b5 2f fd. */
  public static boolean isZstd(byte[] magic) {
    return magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd;
  }
}
