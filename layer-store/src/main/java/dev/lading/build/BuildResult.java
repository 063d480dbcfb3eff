package dev.lading.build;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import java.util.List;

/**
 * What a build produced: the image (a manifest, or an index for several platforms), the config
 * digest of the first platform (the "image id"), and what happened to each application layer.
 */
public record BuildResult(ImageReference target, Descriptor image, Digest configDigest,
    List<LayerOutcome> layers) {

  public BuildResult {
    layers = List.copyOf(layers);
  }

  /** The digest to pull the image by. */
  public Digest imageDigest() {
    return image.digest();
  }

  /** One application layer: its name, blob and whether it came from the layer cache. */
  public record LayerOutcome(String name, Digest diffId, Digest digest, long size, boolean cached) { }
}
