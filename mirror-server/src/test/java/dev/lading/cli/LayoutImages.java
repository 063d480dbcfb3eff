package dev.lading.cli;

import dev.lading.digest.Digest;
import dev.lading.layer.LayerEntry;
import dev.lading.layer.LayerResult;
import dev.lading.layer.ReproducibleLayer;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.Platform;
import dev.lading.store.BlobWriter;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Images made on the spot in OCI layouts, for tests that need no registry to get one. */
final class LayoutImages {
  private LayoutImages() {}

  /**
   * Writes a linux/amd64 image of one layer holding {@code entry} into the OCI layout {@code dir}
   * (created when missing) as {@code ref}; returns the layer's digest.
   */
  static Digest oneLayer(Path dir, String ref, LayerEntry entry) throws IOException {
    Store layout = Store.open(dir);
    LayerResult layer;
    try (BlobWriter writer = layout.writer(null)) {
      layer = ReproducibleLayer.builder().compressionLevel(1).add(entry).build().writeTo(writer);
      writer.commit();
    }
    ImageConfig config = ImageConfig.scratch(Platform.of("linux", "amd64"))
        .withLayer(layer.diffId(), ImageConfig.History.layer(Instant.EPOCH, "test: " + entry.path(), null));
    Descriptor configDescriptor = layout.put(ImageFormat.OCI.configType(), Json.write(config));
    ImageManifest manifest = ImageManifest.of(ImageFormat.OCI, configDescriptor,
        List.of(layer.descriptor(ImageFormat.OCI)));
    layout.setRef(ref, layout.put(ImageFormat.OCI.manifestType(), Json.write(manifest)));
    return layer.digest();
  }
}
