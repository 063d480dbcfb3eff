package dev.lading.transfer;

import dev.lading.layer.LayerEntry;
import dev.lading.layer.LayerResult;
import dev.lading.layer.ReproducibleLayer;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.Platform;
import dev.lading.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Small but real images (two layers, a whiteout, a symlink, an executable) built into a store. */
final class TestImages {
  private TestImages() {}

  /** A two-layer image for {@code platform}; {@code marker} goes into a file so images differ. */
  static Descriptor image(Store store, Platform platform, String marker, ImageFormat format)
      throws IOException {
    List<LayerEntry> base = List.of(
        LayerEntry.directory("/etc"),
        LayerEntry.file("/etc/hello.txt", "hello\n".getBytes(StandardCharsets.UTF_8)),
        LayerEntry.file("/etc/gone.txt", "to be deleted\n".getBytes(StandardCharsets.UTF_8)),
        LayerEntry.symlink("/etc/link", "hello.txt"),
        LayerEntry.file("/usr/bin/tool", "#!/bin/sh\necho tool\n".getBytes(StandardCharsets.UTF_8))
            .withMode(0755));
    List<LayerEntry> top = List.of(
        LayerEntry.file("/etc/.wh.gone.txt", new byte[0]),
        LayerEntry.file("/data/marker.txt", (marker + "\n").getBytes(StandardCharsets.UTF_8)),
        LayerEntry.file("/data/arch.txt", platform.toString().getBytes(StandardCharsets.UTF_8)));
    List<Descriptor> layers = new ArrayList<>();
    ImageConfig config = ImageConfig.scratch(platform)
        .withConfig(ImageConfig.RunConfig.EMPTY.withCmd(List.of("/usr/bin/tool")))
        .withCreated(Instant.parse("2024-01-01T00:00:00Z"));
    for (List<LayerEntry> entries : List.of(base, top)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      LayerResult result = ReproducibleLayer.builder().addAll(entries).build().writeTo(out);
      layers.add(store.put(format.gzipLayerType(), out.toByteArray()));
      config = config.withLayer(result.diffId(), ImageConfig.History.layer(null, "test layer", null));
    }
    Descriptor configDesc = store.put(format.configType(), Json.write(config));
    ImageManifest manifest = ImageManifest.of(format, configDesc, layers);
    return store.put(manifest.contentType(), Json.write(manifest));
  }

  /** An index of linux/amd64 and linux/arm64 images. */
  static Descriptor index(Store store, ImageFormat format) throws IOException {
    Descriptor amd64 = image(store, Platform.of("linux", "amd64"), "amd64", format)
        .withPlatform(Platform.of("linux", "amd64"));
    Descriptor arm64 = image(store, Platform.of("linux", "arm64"), "arm64", format)
        .withPlatform(Platform.of("linux", "arm64"));
    ImageIndex index = ImageIndex.of(format, List.of(amd64, arm64));
    return store.put(index.contentType(), Json.write(index));
  }
}
