package dev.lading.model;

/** The manifest family an image is written in. */
public enum ImageFormat {
  /** OCI image spec: the default; every current registry and runtime reads it. */
  OCI(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP),
  /** Docker image manifest v2 schema 2, for older registries and tools. */
  DOCKER(MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_CONFIG,
      MediaTypes.DOCKER_LAYER_GZIP);

  private final String manifestType;
  private final String indexType;
  private final String configType;
  private final String gzipLayerType;

  ImageFormat(String manifestType, String indexType, String configType, String gzipLayerType) {
    this.manifestType = manifestType;
    this.indexType = indexType;
    this.configType = configType;
    this.gzipLayerType = gzipLayerType;
  }

  public String manifestType() {
    return manifestType;
  }

  public String indexType() {
    return indexType;
  }

  public String configType() {
    return configType;
  }

  public String gzipLayerType() {
    return gzipLayerType;
  }

  /** The family of a manifest, index, config or layer media type. */
  public static ImageFormat of(String mediaType) {
    if (mediaType != null && mediaType.startsWith("application/vnd.docker.")) {
      return DOCKER;
    }
    return OCI;
  }

  /** Parses {@code oci}, {@code docker} (or {@code v2s2}), as users write them on the command line. */
  public static ImageFormat parse(String value) {
    return switch (value.toLowerCase(java.util.Locale.ROOT)) {
      case "oci" -> OCI;
      case "docker", "v2s2", "docker-v2s2" -> DOCKER;
      default -> throw new IllegalArgumentException(
          "unknown image format '" + value + "' (use 'oci' or 'docker')");
    };
  }
}
