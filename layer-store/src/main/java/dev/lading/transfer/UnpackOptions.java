package dev.lading.transfer;

import dev.lading.model.Platform;
import java.nio.file.Path;

/**
 * How to unpack an image into a directory.
 *
 * @param platform the image to pick from an index; null means the machine this runs on
 * @param maxLayerBytes the most uncompressed bytes one layer may expand to (a decompression-bomb guard)
 * @param maxLayerEntries the most entries one layer may have
 * @param preserveOwnership true to chown files and create device nodes (needs root), false to record
 *     owners in a sidecar file; null lets the extractor decide (true exactly when running as root)
 * @param allowNonEmptyTarget unpack over what the target directory already holds instead of refusing
 * @param ownershipFile where an unprivileged unpack records the owners, modes and types the image
 *     intends (an {@link dev.lading.layer.OwnershipMap}, for fakeroot); null keeps no record
 * @param layersIntoStore bring every layer into the store even when it could be read in place (a
 *     build that goes on to write an image with those layers needs them there)
 */
public record UnpackOptions(Platform platform, long maxLayerBytes, long maxLayerEntries,
    Boolean preserveOwnership, boolean allowNonEmptyTarget, Path ownershipFile, boolean layersIntoStore) {

  /** Default extractor limits: 64 GiB and 5 million entries per layer. */
  public static final long DEFAULT_MAX_LAYER_BYTES = 64L << 30;
  public static final long DEFAULT_MAX_LAYER_ENTRIES = 5_000_000;

  public UnpackOptions {
    if (maxLayerBytes <= 0 || maxLayerEntries <= 0) {
      throw new IllegalArgumentException("unpack limits must be positive (bytes " + maxLayerBytes
          + ", entries " + maxLayerEntries + ")");
    }
  }

  /** This machine's platform, default limits, ownership as the extractor decides, empty target only. */
  public static UnpackOptions defaults() {
    return new UnpackOptions(null, DEFAULT_MAX_LAYER_BYTES, DEFAULT_MAX_LAYER_ENTRIES, null, false, null,
        false);
  }

  public UnpackOptions withPlatform(Platform value) {
    return new UnpackOptions(value, maxLayerBytes, maxLayerEntries, preserveOwnership, allowNonEmptyTarget,
        ownershipFile, layersIntoStore);
  }

  public UnpackOptions withLimits(long bytes, long entries) {
    return new UnpackOptions(platform, bytes, entries, preserveOwnership, allowNonEmptyTarget,
        ownershipFile, layersIntoStore);
  }

  public UnpackOptions withPreserveOwnership(Boolean value) {
    return new UnpackOptions(platform, maxLayerBytes, maxLayerEntries, value, allowNonEmptyTarget,
        ownershipFile, layersIntoStore);
  }

  public UnpackOptions withAllowNonEmptyTarget(boolean value) {
    return new UnpackOptions(platform, maxLayerBytes, maxLayerEntries, preserveOwnership, value,
        ownershipFile, layersIntoStore);
  }

  public UnpackOptions withOwnershipFile(Path value) {
    return new UnpackOptions(platform, maxLayerBytes, maxLayerEntries, preserveOwnership,
        allowNonEmptyTarget, value, layersIntoStore);
  }

  public UnpackOptions withLayersIntoStore(boolean value) {
    return new UnpackOptions(platform, maxLayerBytes, maxLayerEntries, preserveOwnership,
        allowNonEmptyTarget, ownershipFile, value);
  }

  /** The platform to select: the one asked for, else this machine's. */
  public Platform platformOrCurrent() {
    return platform != null ? platform : Platform.current();
  }
}
