package dev.lading.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One image: its config and its layers. Reads both the OCI image manifest and the Docker v2 schema 2
 * manifest; {@link #format()} says which.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "config", "layers", "subject", "annotations"})
public record ImageManifest(
    @JsonProperty("schemaVersion") int schemaVersion,
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("artifactType") String artifactType,
    @JsonProperty("config") Descriptor config,
    // Required by both specs even when empty, so always written.
    @JsonProperty("layers") @JsonInclude(JsonInclude.Include.ALWAYS) List<Descriptor> layers,
    @JsonProperty("subject") Descriptor subject,
    @JsonProperty("annotations") Map<String, String> annotations) implements ManifestDocument {

  public ImageManifest {
    if (schemaVersion != 2) {
      throw new InvalidImageException("image manifest schemaVersion must be 2, found "
          + (schemaVersion == 0 ? "none" : schemaVersion));
    }
    if (mediaType != null && !MediaTypes.isImageManifest(mediaType)) {
      throw new InvalidImageException("mediaType " + mediaType + " is not an image manifest type"
          + (MediaTypes.isIndex(mediaType) ? " (it is an index: read it as an ImageIndex)" : ""));
    }
    if (config == null) {
      throw new InvalidImageException("image manifest has no config descriptor");
    }
    if (layers == null) {
      throw new InvalidImageException("image manifest has no layers array");
    }
    layers = List.copyOf(layers);
    annotations = annotations == null ? null : Collections.unmodifiableMap(new TreeMap<>(annotations));
  }

  /**
   * A manifest in {@code format}, with the config and layer media types converted to that family
   * (e.g. {@link MediaTypes#OCI_LAYER_GZIP} becomes {@link MediaTypes#DOCKER_LAYER_GZIP}): the blobs
   * are the same bytes, only their labels change.
   *
   * @throws InvalidImageException when a layer has no equivalent in that family (uncompressed or
   *     zstd layers in Docker format)
   */
  public static ImageManifest of(ImageFormat format, Descriptor config, List<Descriptor> layers) {
    return new ImageManifest(2, format.manifestType(), null, config, layers, null, null).convertTo(format);
  }

  @Override
  public ImageFormat format() {
    // OCI may leave mediaType out; Docker always writes it, so the config type is a safe fallback.
    return mediaType != null ? ImageFormat.of(mediaType) : ImageFormat.of(config.mediaType());
  }

  @Override
  public String contentType() {
    return mediaType != null ? mediaType : format().manifestType();
  }

  /**
   * This manifest rewritten in {@code target}'s family: manifest, config and layer media types
   * converted, digests unchanged.
   *
   * @throws InvalidImageException when something cannot be expressed in the target family
   */
  public ImageManifest convertTo(ImageFormat target) {
    if (target == ImageFormat.DOCKER && (artifactType != null || subject != null
        || (annotations != null && !annotations.isEmpty()))) {
      throw new InvalidImageException("this manifest has an artifactType, subject or annotations,"
          + " which Docker schema 2 cannot carry; write it in OCI format");
    }
    Descriptor newConfig = convert(config, "config", target);
    List<Descriptor> newLayers = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      newLayers.add(convert(layers.get(i), "layer " + (i + 1), target));
    }
    return new ImageManifest(schemaVersion, target.manifestType(), artifactType, newConfig, newLayers,
        subject, annotations);
  }

  private static Descriptor convert(Descriptor d, String what, ImageFormat target) {
    try {
      return d.withMediaType(MediaTypes.toFormat(d.mediaType(), target));
    } catch (InvalidImageException e) {
      throw new InvalidImageException("cannot write " + what + " (" + d.digest() + ") in "
          + target + " format: " + e.getMessage(), e);
    }
  }

  /**
   * Returns this manifest after checking that every media type in it belongs to its own family.
   * Call before writing: registries and runtimes reject manifests that mix OCI and Docker types.
   *
   * @throws InvalidImageException naming each descriptor of the other family
   */
  public ImageManifest requireSingleFamily() {
    ImageFormat family = format();
    List<String> strays = new ArrayList<>();
    if (ImageFormat.of(config.mediaType()) != family) {
      strays.add("config " + config.mediaType());
    }
    for (int i = 0; i < layers.size(); i++) {
      String type = layers.get(i).mediaType();
      if (ImageFormat.of(type) != family) {
        strays.add("layer " + (i + 1) + " " + type);
      }
    }
    if (!strays.isEmpty()) {
      throw new InvalidImageException("this " + family + " manifest mixes in media types of the other"
          + " family: " + String.join(", ", strays) + "; build it with ImageManifest.of(format, ...)"
          + " or convertTo(format)");
    }
    return this;
  }

  public ImageManifest withConfig(Descriptor newConfig) {
    return new ImageManifest(schemaVersion, mediaType, artifactType, newConfig, layers, subject, annotations);
  }

  public ImageManifest withLayers(List<Descriptor> newLayers) {
    return new ImageManifest(schemaVersion, mediaType, artifactType, config, newLayers, subject, annotations);
  }

  public ImageManifest withSubject(Descriptor newSubject) {
    return new ImageManifest(schemaVersion, mediaType, artifactType, config, layers, newSubject, annotations);
  }

  public ImageManifest withAnnotations(Map<String, String> newAnnotations) {
    return new ImageManifest(schemaVersion, mediaType, artifactType, config, layers, subject, newAnnotations);
  }
}
