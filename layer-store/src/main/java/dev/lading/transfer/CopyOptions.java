package dev.lading.transfer;

import dev.lading.model.ImageFormat;
import dev.lading.model.Platform;
import java.util.List;

/**
 * How to copy an image.
 *
 * @param format the manifest family to write; null keeps the source's (archives without manifests
 *     are read as Docker images)
 * @param platform the image to pick from an index; null means the machine this runs on
 * @param allPlatforms copy the whole index and every image in it instead of picking one
 * @param extraTags more tags to give the written image at a registry destination (each is one more
 *     manifest PUT, no blob is looked at again); empty for other destinations
 */
public record CopyOptions(ImageFormat format, Platform platform, boolean allPlatforms,
    List<String> extraTags) {

  public CopyOptions {
    extraTags = extraTags == null ? List.of() : List.copyOf(extraTags);
  }

  /** Options without extra tags. */
  public CopyOptions(ImageFormat format, Platform platform, boolean allPlatforms) {
    this(format, platform, allPlatforms, List.of());
  }

  /** Keep the format, pick this machine's platform. */
  public static CopyOptions defaults() {
    return new CopyOptions(null, null, false);
  }

  public CopyOptions withFormat(ImageFormat value) {
    return new CopyOptions(value, platform, allPlatforms, extraTags);
  }

  public CopyOptions withPlatform(Platform value) {
    return new CopyOptions(format, value, allPlatforms, extraTags);
  }

  public CopyOptions withAllPlatforms(boolean value) {
    return new CopyOptions(format, platform, value, extraTags);
  }

  public CopyOptions withExtraTags(List<String> value) {
    return new CopyOptions(format, platform, allPlatforms, value);
  }

  /** The platform to select: the one asked for, else this machine's. */
  public Platform platformOrCurrent() {
    return platform != null ? platform : Platform.current();
  }
}
