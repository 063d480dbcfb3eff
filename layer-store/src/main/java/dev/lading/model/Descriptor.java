package dev.lading.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.lading.digest.Digest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** A typed, sized, content-addressed pointer to a blob: the OCI descriptor. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"mediaType", "digest", "size", "urls", "annotations", "platform", "artifactType"})
public record Descriptor(
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("digest") Digest digest,
    @JsonProperty("size") long size,
    @JsonProperty("urls") List<String> urls,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonProperty("platform") Platform platform,
    @JsonProperty("artifactType") String artifactType) {

  /** The annotation that names an image in an OCI layout's {@code index.json}. */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  public Descriptor {
    Objects.requireNonNull(mediaType, "descriptor has no mediaType");
    Objects.requireNonNull(digest, "descriptor has no digest");
    if (mediaType.isEmpty()) {
      // Written out, an empty value is left out (NON_EMPTY) and the document would not read back.
      throw new IllegalArgumentException("descriptor " + digest + " has an empty mediaType");
    }
    if (size < 0) {
      throw new IllegalArgumentException("descriptor " + digest + " has a negative size " + size);
    }
    urls = urls == null ? null : List.copyOf(urls);
    // Sorted, so that the same annotations always serialise to the same bytes.
    annotations = annotations == null ? null : java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
  }

  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, null, null, null);
  }

  public Descriptor withMediaType(String type) {
    return new Descriptor(type, digest, size, urls, annotations, platform, artifactType);
  }

  public Descriptor withPlatform(Platform p) {
    return new Descriptor(mediaType, digest, size, urls, annotations, p, artifactType);
  }

  public Descriptor withAnnotations(Map<String, String> a) {
    return new Descriptor(mediaType, digest, size, urls, a, platform, artifactType);
  }

  /** The value of one annotation, or null. */
  @JsonIgnore
  public String annotation(String key) {
    return annotations == null ? null : annotations.get(key);
  }
}
