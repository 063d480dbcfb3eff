package dev.lading.build;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import java.util.Objects;

/**
 * One platform's image of a base: its manifest and config, both in the store; its layers may be
 * absent from the store (they are fetched only when their bytes are needed).
 *
 * @param reference the base as configured
 * @param manifestDescriptor the platform image's manifest as stored
 * @param manifest that manifest
 * @param config its config
 */
public record BaseImage(ImageReference reference, Descriptor manifestDescriptor, ImageManifest manifest,
    ImageConfig config) {
  public BaseImage {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(manifestDescriptor, "manifestDescriptor");
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(config, "config");
  }

  /** The platform this image runs on, as its config says. */
  public Platform platform() {
    return config.platform();
  }

  /** {@code registry/repository} of the base, as recorded in origin records. */
  public String origin() {
    return reference.registry() + "/" + reference.repository();
  }
}
