package dev.lading.cli;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.util.List;

/**
 * Jackson's start-up work, done on a second core while picocli builds and parses the command line.
 * Every command that touches an image reads and writes manifests and the store's index, and the first
 * use of the mapper (its class initialisation, then a serializer and a deserializer per model type)
 * cost about 0.1 s of the main thread in a short copy. The JVM runs each class initialiser once: the
 * main thread either finds the work done or waits for it, never repeats it.
 */
final class Warmup {
  private Warmup() {}

  static void start() {
    Thread thread = new Thread(Warmup::run, "lading-warmup");
    thread.setDaemon(true);
    thread.start();
  }

  private static void run() {
    try {
      Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(new byte[0]), 0);
      byte[] manifest = Json.write(ImageManifest.of(ImageFormat.OCI, blob, List.of(blob)));
      Json.read(manifest, ImageManifest.class, "warm-up manifest");
      byte[] index = Json.write(ImageIndex.of(ImageFormat.OCI, List.of(blob)));
      Json.read(index, ImageIndex.class, "warm-up index");
    } catch (RuntimeException ignored) {
      // Only an optimisation: the command does the same work itself and reports any failure.
    }
  }
}
