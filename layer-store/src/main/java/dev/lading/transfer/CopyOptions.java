package dev.lading.transfer;

import dev.lading.model.ImageFormat;
import dev.lading.model.Platform;

/**
 * How to copy an image.
 *
 * @param format the manifest family to write; null keeps the source's (archives without manifests
 *     are read as Docker images)
 * @param platform the image to pick from an index; null means the machine this runs on
 * @param allPlatforms copy the whole index and every image in it instead of picking one
 */
public record CopyOptions(ImageFormat format, Platform platform, boolean allPlatforms) {

  /** Keep the format, pick this machine's platform. */
  public static CopyOptions defaults() {
    return new CopyOptions(null, null, false);
  }

  public CopyOptions withFormat(ImageFormat value) {
    return new CopyOptions(value, platform, allPlatforms);
  }

  public CopyOptions withPlatform(Platform value) {
    return new CopyOptions(format, value, allPlatforms);
  }

  public CopyOptions withAllPlatforms(boolean value) {
    return new CopyOptions(format, platform, value);
  }

  /** The platform to select: the one asked for, else this machine's. */
  public Platform platformOrCurrent() {
    return platform != null ? platform : Platform.current();
  }
}
