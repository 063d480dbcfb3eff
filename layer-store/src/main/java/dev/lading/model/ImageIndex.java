package dev.lading.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A list of images for several platforms: the OCI image index or the Docker manifest list;
 * {@link #format()} says which.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "manifests", "subject", "annotations"})
public record ImageIndex(
    @JsonProperty("schemaVersion") int schemaVersion,
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("artifactType") String artifactType,
    // Required by both specs even when empty, so always written.
    @JsonProperty("manifests") @JsonInclude(JsonInclude.Include.ALWAYS) List<Descriptor> manifests,
    @JsonProperty("subject") Descriptor subject,
    @JsonProperty("annotations") Map<String, String> annotations) implements ManifestDocument {

  /** buildx marks its provenance/SBOM entries with this; they are not runnable images. */
  private static final String DOCKER_REFERENCE_TYPE = "vnd.docker.reference.type";

  public ImageIndex {
    if (schemaVersion != 2) {
      throw new InvalidImageException("image index schemaVersion must be 2, found "
          + (schemaVersion == 0 ? "none" : schemaVersion));
    }
    if (mediaType != null && !MediaTypes.isIndex(mediaType)) {
      throw new InvalidImageException("mediaType " + mediaType + " is not an index type"
          + (MediaTypes.isImageManifest(mediaType) ? " (it is an image manifest: read it as an ImageManifest)" : ""));
    }
    if (manifests == null) {
      throw new InvalidImageException("image index has no manifests array");
    }
    manifests = List.copyOf(manifests);
    annotations = annotations == null ? null : Collections.unmodifiableMap(new TreeMap<>(annotations));
  }

  /**
   * An index in {@code format} listing {@code manifests}. Their media types are checked, not
   * converted: a descriptor's type must match the bytes it points to, and converting a manifest
   * changes its digest.
   *
   * @throws InvalidImageException when an entry belongs to the other family, or (Docker) is not an
   *     image manifest with a platform
   */
  public static ImageIndex of(ImageFormat format, List<Descriptor> manifests) {
    return new ImageIndex(2, format.indexType(), null, manifests, null, null).requireSingleFamily();
  }

  @Override
  public ImageFormat format() {
    // A Docker manifest list always names its type; only OCI may leave it out.
    return mediaType != null ? ImageFormat.of(mediaType) : ImageFormat.OCI;
  }

  @Override
  public String contentType() {
    return mediaType != null ? mediaType : format().indexType();
  }

  /**
   * Returns this index after checking that its entries belong to its own family. Call before
   * writing.
   *
   * @throws InvalidImageException naming each entry that does not fit, and what to do
   */
  public ImageIndex requireSingleFamily() {
    ImageFormat family = format();
    List<String> problems = new ArrayList<>();
    for (Descriptor d : manifests) {
      if (ImageFormat.of(d.mediaType()) != family) {
        problems.add(d.digest().shortHex() + " is a " + d.mediaType());
      } else if (family == ImageFormat.DOCKER && !MediaTypes.DOCKER_MANIFEST.equals(d.mediaType())) {
        problems.add(d.digest().shortHex() + " is a " + d.mediaType()
            + " (a Docker manifest list holds only image manifests)");
      } else if (family == ImageFormat.DOCKER && d.platform() == null) {
        problems.add(d.digest().shortHex() + " has no platform (required in a Docker manifest list)");
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidImageException("cannot write a " + family + " index: " + String.join("; ", problems)
          + "; write every manifest in " + family + " format first");
    }
    return this;
  }

  /** The runnable platforms this index offers, in its order (attestation entries left out). */
  public List<Platform> availablePlatforms() {
    List<Platform> result = new ArrayList<>();
    for (Descriptor d : manifests) {
      if (isRunnable(d)) {
        result.add(d.platform());
      }
    }
    return result;
  }

  /**
   * The entry for {@code wanted}. os and architecture must be equal; among those, an equal variant
   * wins over an entry that names no variant (or, when {@code wanted} names none, over entries with
   * other variants). On arm64 a missing variant means v8. Ties go to the first entry: the publisher
   * lists its preference first.
   */
  public Optional<Descriptor> select(Platform wanted) {
    Objects.requireNonNull(wanted, "wanted platform");
    Descriptor best = null;
    int bestScore = 0;
    for (Descriptor d : manifests) {
      if (!isRunnable(d)) {
        continue;
      }
      int score = score(d.platform(), wanted);
      if (score > bestScore) {
        best = d;
        bestScore = score;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The entry for {@code wanted}, or an exception that lists what the index offers.
   *
   * @param image how to name this image in the message, e.g. its reference
   * @throws NoMatchingPlatformException when no entry matches
   */
  public Descriptor require(Platform wanted, String image) {
    return select(wanted).orElseThrow(() -> noMatch(wanted, image));
  }

  /** The error for an index without {@code wanted}, listing the platforms it has. */
  public NoMatchingPlatformException noMatch(Platform wanted, String image) {
    return new NoMatchingPlatformException(image, wanted, availablePlatforms());
  }

  public ImageIndex withManifests(List<Descriptor> newManifests) {
    return new ImageIndex(schemaVersion, mediaType, artifactType, newManifests, subject, annotations);
  }

  public ImageIndex withAnnotations(Map<String, String> newAnnotations) {
    return new ImageIndex(schemaVersion, mediaType, artifactType, manifests, subject, newAnnotations);
  }

  private static boolean isRunnable(Descriptor d) {
    return d.platform() != null && d.annotation(DOCKER_REFERENCE_TYPE) == null;
  }

  /** 0: unusable; 1: variant unknown on one side; 2: exact. */
  private static int score(Platform have, Platform wanted) {
    if (!Objects.equals(have.os(), wanted.os())
        || !Objects.equals(have.architecture(), wanted.architecture())) {
      return 0;
    }
    String haveVariant = variant(have);
    String wantedVariant = variant(wanted);
    if (Objects.equals(haveVariant, wantedVariant)) {
      return 2;
    }
    return haveVariant == null || wantedVariant == null ? 1 : 0;
  }

  private static String variant(Platform p) {
    if (p.variant() == null || p.variant().isEmpty()) {
      // Every arm64 CPU is at least v8, so indexes often leave the variant out.
      return "arm64".equals(p.architecture()) ? "v8" : null;
    }
    return p.variant();
  }
}
