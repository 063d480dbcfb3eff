package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageManifest;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import java.util.Objects;

/**
 * What an image is, without its layers: the document the location names (a manifest or an index),
 * the image manifest for the chosen platform, and that image's config, all as raw bytes, since
 * digests are over bytes.
 *
 * @param top the manifest or index the location names
 * @param image the image manifest: {@code top} itself, or the index entry for the platform
 * @param config the image's config blob
 */
public record InspectResult(RawDocument top, RawDocument image, byte[] config) {

  /** A manifest or index exactly as stored, with its media type and digest. */
  public record RawDocument(String mediaType, Digest digest, byte[] bytes) {
    public RawDocument {
      Objects.requireNonNull(mediaType, "mediaType");
      Objects.requireNonNull(digest, "digest");
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    /** The parsed document. */
    public ManifestDocument document() {
      return ManifestDocument.parse(bytes, mediaType);
    }

    /** A descriptor pointing at these bytes. */
    public Descriptor descriptor() {
      return Descriptor.of(mediaType, digest, bytes.length);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RawDocument r && mediaType.equals(r.mediaType) && digest.equals(r.digest);
    }

    @Override
    public int hashCode() {
      return digest.hashCode();
    }

    @Override
    public String toString() {
      return "RawDocument[" + mediaType + " " + digest + ", " + bytes.length + " bytes]";
    }
  }

  public InspectResult {
    Objects.requireNonNull(top, "top");
    Objects.requireNonNull(image, "image");
    config = config.clone();
  }

  @Override
  public byte[] config() {
    return config.clone();
  }

  /** True when the location names an index and {@link #image()} was picked from it. */
  public boolean isIndex() {
    return !top.digest().equals(image.digest());
  }

  /** The parsed image manifest. */
  public ImageManifest imageManifest() {
    if (image.document() instanceof ImageManifest m) {
      return m;
    }
    throw new InvalidImageException(image.digest() + " is not an image manifest");
  }

  /** The parsed image config. */
  public ImageConfig imageConfig() {
    return Json.read(config, ImageConfig.class, "image config");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InspectResult r && top.equals(r.top) && image.equals(r.image)
        && java.util.Arrays.equals(config, r.config);
  }

  @Override
  public int hashCode() {
    return Objects.hash(top, image);
  }

  @Override
  public String toString() {
    return "InspectResult[top=" + top + ", image=" + image + ", config " + config.length + " bytes]";
  }
}
