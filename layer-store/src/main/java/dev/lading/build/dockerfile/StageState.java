package dev.lading.build.dockerfile;

import dev.lading.digest.Digest;
import dev.lading.layer.LayerExtractor;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.RootfsSnapshot;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageConfig.History;
import dev.lading.model.ImageConfig.RunConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One stage while it is built: its root file system on disk (unpacked without privileges, the
 * intended owners in an ownership map beside it), the layers so far and the image config so far.
 */
final class StageState {
  /** The shell of shell-form commands unless SHELL says otherwise. */
  static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");

  final Path dir;
  final Path rootfs;
  final Path ownership;
  final List<Descriptor> layers = new ArrayList<>();
  ImageConfig config;
  List<String> shell = DEFAULT_SHELL;
  /** The cache key of everything so far: the base and every step. */
  Digest chain;
  /** Fills the root file system with the base; null once done. */
  Filler base;
  /**
   * The root file system as the last RUN, COPY or ADD left it (its "after" snapshot), to be the
   * next one's "before" without walking the tree again; null when unknown or changed since.
   */
  RootfsSnapshot snapshot;
  /** Layers taken from the step cache and not yet applied to the root file system. */
  final List<Descriptor> pending = new ArrayList<>();

  /** Puts the base into the root file system (an unpack, a copy of a stage). */
  interface Filler {
    void fill() throws IOException;
  }

  StageState(Path dir, ImageConfig config, List<Descriptor> baseLayers) throws IOException {
    this.dir = dir;
    this.rootfs = Files.createDirectories(dir.resolve("rootfs"));
    this.ownership = dir.resolve("ownership.json");
    this.config = config;
    for (Descriptor layer : baseLayers) {
      // One manifest holds one family's media types; the bytes are the same.
      layers.add(layer.withMediaType(MediaTypes.toFormat(layer.mediaType(), ImageFormat.OCI)));
    }
  }

  /** An empty stage ({@code FROM scratch}). */
  static StageState scratch(Path dir, Platform platform) throws IOException {
    StageState state = new StageState(dir, ImageConfig.scratch(platform), List.of());
    OwnershipMap.empty().saveTemporary(state.ownership);
    return state;
  }

  /** Makes the root file system what the layers say: the base, then layers from the step cache. */
  void materialize(Store store) throws IOException {
    if (base != null || !pending.isEmpty()) {
      snapshot = null;
    }
    if (base != null) {
      base.fill();
      base = null;
    }
    if (!pending.isEmpty()) {
      LayerExtractor extractor = LayerExtractor.builder().preserveOwnership(false)
          .ownershipFile(ownership).build();
      for (Descriptor layer : pending) {
        extractor.apply(rootfs, store.blobPath(layer.digest()));
      }
      pending.clear();
    }
  }

  /** The run settings so far. */
  RunConfig run() {
    return config.configOrEmpty();
  }

  void run(RunConfig run) {
    config = config.withConfig(run);
  }

  /** The working directory, {@code /} when none is set. */
  String workdir() {
    String w = run().workingDir();
    return w == null || w.isEmpty() ? "/" : w;
  }

  /** Adds a layer of this stage. */
  void addLayer(Descriptor layer, Digest diffId, Instant created, String createdBy) {
    layers.add(layer);
    config = config.withLayer(diffId, History.layer(created, createdBy, null));
  }

  /** Records a step that changed only the config. */
  void addHistory(Instant created, String createdBy) {
    config = config.withHistoryEntry(History.emptyLayer(created, createdBy, null));
  }
}
