package dev.lading.build;

import dev.lading.model.ImageFormat;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to build one Java application image, fully resolved (no Maven types, no
 * defaults left to guess): the base, the target and its extra tags, the manifest format, how the
 * container starts, and the application layers bottom first.
 *
 * @param base the base image
 * @param platforms the platforms to build for; empty means "the base image's only platform, or
 *     linux/amd64 from an index" (as Jib does)
 * @param target where the image goes (the store ref, and the push target)
 * @param tags extra tags of {@code target}'s repository
 * @param format the manifest format to write
 * @param container entrypoint, environment, ports and the rest
 * @param layers the application layers, bottom first; empty ones are left out
 * @param creationTime the config's {@code created} and the history timestamps
 * @param filesModificationTime the mtime of every file in the application layers
 * @param baseInStore the base was built into the store (from a Dockerfile) rather than pulled: it is
 *     read from the store even online, and its layers get no registry origin
 */
public record JavaImagePlan(
    ImageReference base,
    List<Platform> platforms,
    ImageReference target,
    List<String> tags,
    ImageFormat format,
    ContainerSettings container,
    List<LayerSpec> layers,
    Instant creationTime,
    Instant filesModificationTime,
    boolean baseInStore) {

  /** Jib's default file mtime: one second after the epoch (zero confuses some tools). */
  public static final Instant DEFAULT_FILES_MODIFICATION_TIME = Instant.ofEpochSecond(1);
  /** The platform picked from a multi-platform base when none is configured (Jib's default). */
  public static final Platform DEFAULT_PLATFORM = Platform.of("linux", "amd64");

  /** A plan whose base is pulled from its registry (or, offline, taken from the store). */
  public JavaImagePlan(ImageReference base, List<Platform> platforms, ImageReference target, List<String> tags,
      ImageFormat format, ContainerSettings container, List<LayerSpec> layers, Instant creationTime,
      Instant filesModificationTime) {
    this(base, platforms, target, tags, format, container, layers, creationTime, filesModificationTime, false);
  }

  /** This plan on {@code base}, an image built into the store (a Dockerfile-built base). */
  public JavaImagePlan onStoredBase(ImageReference base) {
    return new JavaImagePlan(base, platforms, target, tags, format, container, layers, creationTime,
        filesModificationTime, true);
  }

  public JavaImagePlan {
    Objects.requireNonNull(base, "base image");
    Objects.requireNonNull(target, "target image");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(container, "container");
    platforms = platforms == null ? List.of() : List.copyOf(platforms);
    tags = tags == null ? List.of() : List.copyOf(tags);
    layers = List.copyOf(layers);
    creationTime = creationTime == null ? Instant.EPOCH : creationTime;
    filesModificationTime = filesModificationTime == null ? DEFAULT_FILES_MODIFICATION_TIME : filesModificationTime;
    for (String tag : tags) {
      target.withTag(tag); // validates the tag with the reference grammar
    }
    if (container.mainClass() == null && container.entrypoint() == null) {
      throw new IllegalArgumentException("no main class: set container.mainClass (or an entrypoint)");
    }
  }

  /** The references the image gets: {@code target} and the same repository with each extra tag. */
  public List<ImageReference> allTargets() {
    List<ImageReference> all = new java.util.ArrayList<>();
    all.add(target);
    for (String tag : tags) {
      ImageReference r = new ImageReference(target.registry(), target.repository(), tag, null);
      if (!all.contains(r)) {
        all.add(r);
      }
    }
    return all;
  }
}
