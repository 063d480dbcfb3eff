package dev.lading.model;

import java.util.Set;

/**
 * Media types of the two manifest families. A manifest of one family never names media types of the
 * other: registries and runtimes reject mixtures.
 */
public final class MediaTypes {
  private MediaTypes() {}

  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_LAYER_NONDIST_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_LAYER_FOREIGN_GZIP =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  /** Schema 1 is deprecated and unsigned variants are unsafe; named only to reject it clearly. */
  public static final String DOCKER_MANIFEST_V1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";

  /** Every manifest and index type we read, for the registry {@code Accept} header. */
  public static final Set<String> MANIFEST_TYPES =
      Set.of(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST);

  /** True for an image index or a Docker manifest list. */
  public static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  /** True for a single-image manifest of either family. */
  public static boolean isImageManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  /** True for a gzip-compressed layer of either family. */
  public static boolean isGzipLayer(String mediaType) {
    return OCI_LAYER_GZIP.equals(mediaType)
        || DOCKER_LAYER_GZIP.equals(mediaType)
        || DOCKER_LAYER_FOREIGN_GZIP.equals(mediaType)
        || OCI_LAYER_NONDIST_GZIP.equals(mediaType);
  }

  /** Same-meaning pairs across the families: the blob bytes are identical, only the label differs. */
  private static final java.util.Map<String, String> OCI_TO_DOCKER = java.util.Map.of(
      OCI_MANIFEST, DOCKER_MANIFEST,
      OCI_INDEX, DOCKER_MANIFEST_LIST,
      OCI_CONFIG, DOCKER_CONFIG,
      OCI_LAYER_GZIP, DOCKER_LAYER_GZIP,
      OCI_LAYER_NONDIST_GZIP, DOCKER_LAYER_FOREIGN_GZIP);

  private static final java.util.Map<String, String> DOCKER_TO_OCI = OCI_TO_DOCKER.entrySet().stream()
      .collect(java.util.stream.Collectors.toUnmodifiableMap(
          java.util.Map.Entry::getValue, java.util.Map.Entry::getKey));

  /**
   * The media type meaning the same as {@code mediaType} in the {@code target} family, e.g. {@link
   * #OCI_LAYER_GZIP} to {@link #DOCKER_LAYER_GZIP}. Types already in the target family come back
   * unchanged (OCI also carries artifact types we do not know).
   *
   * @throws InvalidImageException when the type has no equivalent in the target family, as for
   *     uncompressed or zstd layers, which Docker schema 2 cannot carry
   */
  public static String toFormat(String mediaType, ImageFormat target) {
    java.util.Objects.requireNonNull(mediaType, "mediaType");
    if (ImageFormat.of(mediaType) == target) {
      return mediaType;
    }
    String converted = target == ImageFormat.DOCKER
        ? OCI_TO_DOCKER.get(mediaType) : DOCKER_TO_OCI.get(mediaType);
    if (converted != null) {
      return converted;
    }
    if (target == ImageFormat.DOCKER) {
      throw new InvalidImageException("media type " + mediaType
          + " has no Docker equivalent: Docker schema 2 manifests carry only gzip layers and the"
          + " Docker config type; write the image in OCI format, or use gzip layers");
    }
    throw new InvalidImageException("media type " + mediaType + " has no OCI equivalent;"
        + " write the image in Docker format, or rebuild the content with current tools");
  }
}
