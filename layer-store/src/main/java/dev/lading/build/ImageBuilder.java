package dev.lading.build;

import dev.lading.digest.Digest;
import dev.lading.io.DaemonThreads;
import dev.lading.io.Futures;
import dev.lading.layer.LayerEntries;
import dev.lading.layer.LayerEntry;
import dev.lading.layer.LayerResult;
import dev.lading.layer.ReproducibleLayer;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig.History;
import dev.lading.model.ImageConfig.RunConfig;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.Json;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Lease;
import dev.lading.store.Store;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.Deflater;

/**
 * Builds a {@link JavaImagePlan} into the store: resolves the base (manifests and config only, no
 * layer bytes), builds each application layer reproducibly (or takes it from the layer cache),
 * writes config and manifest (and an index for several platforms) and sets the store refs of the
 * target and its tags.
 */
public final class ImageBuilder {
  /** The {@code created_by} prefix of our history entries. */
  public static final String CREATED_BY = "lading: ";
  private static final int COMPRESSION = Deflater.DEFAULT_COMPRESSION;
  private static final LayerEntries.DirectoryOptions JIB_MODES =
      new LayerEntries.DirectoryOptions(LayerEntries.ModePolicy.FIXED, 0, 0, false);

  private final Store store;
  private final BaseImages baseImages;
  private final LayerCache cache;
  private final BuildListener listener;

  /**
   * @param client the registry client, or null to build offline from the store alone
   * @param mirrors registries tried first for base-image pulls
   */
  public ImageBuilder(Store store, RegistryClient client, Mirrors mirrors, BuildListener listener) {
    this.store = store;
    this.baseImages = new BaseImages(store, client, mirrors, listener);
    this.cache = new LayerCache(store);
    this.listener = listener;
  }

  /**
   * Builds the image and sets its store refs; see the class comment. The application layers are
   * built on worker threads while this thread resolves the base image, as they do not depend on
   * each other: the registry round trips then hide behind the tar and gzip work (and the layers use
   * several cores), rather than adding to it.
   */
  public BuildResult build(JavaImagePlan plan) throws IOException {
    try (Lease lease = store.lease()) {
      List<BuildResult.LayerOutcome> layers = new ArrayList<>();
      List<BaseImage> bases;
      ExecutorService pool = Executors.newFixedThreadPool(
          Math.max(1, Math.min(plan.layers().size(), Runtime.getRuntime().availableProcessors())),
          DaemonThreads.named("lading-layer"));
      try {
        List<Future<Built>> pending = new ArrayList<>();
        for (LayerSpec spec : plan.layers()) {
          pending.add(pool.submit(() -> buildLayer(spec, plan)));
        }
        bases = baseImages.resolve(plan.base(), plan.platforms(), plan.baseInStore());
        for (Future<Built> f : pending) {
          Built built = Futures.await(f, "building the layers");
          if (built != null) {
            // Reported here, in layer order, so the log reads the same whatever finished first.
            listener.info(built.message());
            layers.add(built.outcome());
          }
        }
      } finally {
        // On failure, stop the other layers and wait: no write may outlive the lease.
        pool.shutdownNow();
        awaitTermination(pool);
      }
      ImageFormat format = plan.format();
      List<Descriptor> manifests = new ArrayList<>();
      Digest firstConfig = null;
      for (BaseImage base : bases) {
        ImageConfig config = config(base.config(), layers, plan);
        Descriptor configDescriptor = store.put(format.configType(), Json.write(config));
        firstConfig = firstConfig == null ? configDescriptor.digest() : firstConfig;
        List<Descriptor> layerDescriptors = new ArrayList<>(base.manifest().layers());
        for (BuildResult.LayerOutcome l : layers) {
          layerDescriptors.add(Descriptor.of(format.gzipLayerType(), l.digest(), l.size()));
        }
        ImageManifest manifest = ImageManifest.of(format, configDescriptor, layerDescriptors)
            .requireSingleFamily();
        Descriptor stored = store.put(manifest.contentType(), Json.write(manifest));
        manifests.add(stored.withPlatform(config.platform()));
      }
      Descriptor image;
      if (plan.platforms().size() > 1) {
        ImageIndex index = ImageIndex.of(format, manifests);
        image = store.put(index.contentType(), Json.write(index));
      } else {
        image = manifests.get(0).withPlatform(null);
      }
      Map<String, Descriptor> refs = new LinkedHashMap<>();
      for (ImageReference target : plan.allTargets()) {
        refs.put(target.toString(), image);
      }
      store.setRefs(refs);
      return new BuildResult(plan.target(), image, firstConfig, layers);
    }
  }

  /** A layer built (or found in the cache), with the line that reports it. */
  private record Built(BuildResult.LayerOutcome outcome, String message) {}

  private static void awaitTermination(ExecutorService pool) throws IOException {
    try {
      while (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        // A layer write blocked in I/O; keep waiting rather than return while it still writes.
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the layer builds to stop");
    }
  }

  /** Builds (or finds in the cache) one layer; null when it has no files. Runs on a worker thread. */
  private Built buildLayer(LayerSpec spec, JavaImagePlan plan) throws IOException {
    List<LayerEntry> entries = entries(spec);
    if (entries.isEmpty()) {
      return null;
    }
    Digest key = LayerCache.key(spec.name(), entries, plan.filesModificationTime(), COMPRESSION);
    var cached = cache.get(key);
    if (cached.isPresent()) {
      LayerResult r = cached.get();
      return new Built(new BuildResult.LayerOutcome(spec.name(), r.diffId(), r.digest(), r.size(), true),
          "layer " + spec.name() + ": unchanged (" + r.digest().shortHex() + ")");
    }
    ReproducibleLayer layer = ReproducibleLayer.builder().addAll(entries)
        .mtime(plan.filesModificationTime()).parentMtime(JavaImagePlan.DEFAULT_FILES_MODIFICATION_TIME)
        .compressionLevel(COMPRESSION).build();
    LayerResult result = StoredLayers.write(store, layer, spec.name());
    cache.put(key, result);
    return new Built(
        new BuildResult.LayerOutcome(spec.name(), result.diffId(), result.digest(), result.size(), false),
        "layer " + spec.name() + ": built " + result.digest().shortHex() + " (" + result.size() + " bytes, "
            + entries.size() + (entries.size() == 1 ? " entry)" : " entries)"));
  }

  /**
   * The layer entries of a spec, as Jib makes them: every directory below a mapped directory (empty ones
   * too, in each layer made from it), files filtered, modes 0755 for directories and 0644 for files
   * whatever their bits on disk (the {@code permissions} say otherwise), then the permission overrides.
   * A mapped directory itself is left to be an implicit parent.
   */
  static List<LayerEntry> entries(LayerSpec spec) throws IOException {
    boolean filtered = !"all".equals(spec.filterName());
    List<LayerEntry> entries = new ArrayList<>();
    for (FileMapping mapping : spec.files()) {
      Path source = mapping.source();
      if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
        // The entries' paths are absolute: "/opt/extra/sub/a.txt" for sub/a.txt into /opt/extra.
        String target = Path.of(mapping.target()).normalize().toString();
        String prefix = target.endsWith("/") ? target : target + "/";
        Predicate<String> selected = mapping.selector();
        for (LayerEntry e : LayerEntries.fromDirectory(source, mapping.target(), JIB_MODES)) {
          if (e.path().equals(target)) {
            continue;
          }
          boolean picked = !mapping.selective()
              || e.path().startsWith(prefix) && selected.test(e.path().substring(prefix.length()));
          if (!picked) {
            continue;
          }
          if (e.type() == LayerEntry.Type.DIRECTORY) {
            entries.add(e);
          } else if (e.content() instanceof LayerEntry.Content.OfPath p ? spec.filter().test(p.source())
              : !filtered) {
            entries.add(e);
          }
        }
      } else if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
        entries.add(LayerEntry.file(mapping.target(), source).withMode(LayerEntry.DEFAULT_FILE_MODE));
      } else if (Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(source + " is neither a regular file nor a directory; it cannot go in layer "
            + spec.name());
      } else {
        throw new IOException(source + " (for layer " + spec.name() + ") does not exist");
      }
    }
    entries.addAll(spec.generated());
    if (spec.permissions().isEmpty()) {
      return entries;
    }
    List<Map.Entry<PathMatcher, Integer>> rules = new ArrayList<>();
    for (Map.Entry<String, Integer> p : spec.permissions().entrySet()) {
      rules.add(Map.entry(FileSystems.getDefault().getPathMatcher("glob:" + p.getKey()), p.getValue()));
    }
    List<LayerEntry> result = new ArrayList<>(entries.size());
    for (LayerEntry e : entries) {
      LayerEntry out = e;
      if (e.type() != LayerEntry.Type.SYMLINK) {
        for (Map.Entry<PathMatcher, Integer> rule : rules) {
          if (rule.getKey().matches(Path.of(e.path()))) {
            out = e.withMode(rule.getValue());
          }
        }
      }
      result.add(out);
    }
    return result;
  }

  /** The base config with the application layers, their history and the container settings. */
  static ImageConfig config(ImageConfig base, List<BuildResult.LayerOutcome> layers, JavaImagePlan plan) {
    ContainerSettings c = plan.container();
    ImageConfig config = base.withCreated(plan.creationTime());
    for (BuildResult.LayerOutcome layer : layers) {
      config = config.withLayer(layer.diffId(), History.layer(plan.creationTime(),
          CREATED_BY + layer.name(), null));
    }
    RunConfig run = base.configOrEmpty();
    if (c.inheritsEntrypoint()) {
      if (c.args() != null) {
        run = run.withCmd(c.args());
      }
    } else {
      // A new entrypoint makes the base's Cmd meaningless (Docker drops it too).
      run = run.withEntrypoint(c.entrypoint() != null ? c.entrypoint() : c.defaultEntrypoint(c.mainClass()))
          .withCmd(c.args());
    }
    if (!c.environment().isEmpty()) {
      Map<String, String> env = new LinkedHashMap<>();
      for (String kv : run.env() == null ? List.<String>of() : run.env()) {
        int eq = kv.indexOf('=');
        env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? null : kv.substring(eq + 1));
      }
      env.putAll(c.environment());
      List<String> list = new ArrayList<>();
      env.forEach((k, v) -> list.add(v == null ? k : k + "=" + v));
      run = run.withEnv(list);
    }
    if (!c.labels().isEmpty()) {
      Map<String, String> labels = new LinkedHashMap<>(run.labels() == null ? Map.of() : run.labels());
      labels.putAll(c.labels());
      run = run.withLabels(labels);
    }
    if (!c.ports().isEmpty()) {
      Set<String> ports = new TreeSet<>(run.exposedPorts() == null ? Set.of() : run.exposedPorts());
      ports.addAll(ContainerSettings.exposedPorts(c.ports()));
      run = run.withExposedPorts(ports);
    }
    if (!c.volumes().isEmpty()) {
      Set<String> volumes = new LinkedHashSet<>(run.volumes() == null ? Set.of() : run.volumes());
      volumes.addAll(c.volumes());
      run = run.withVolumes(volumes);
    }
    if (c.user() != null) {
      run = run.withUser(c.user());
    }
    if (c.workingDirectory() != null) {
      run = run.withWorkingDir(c.workingDirectory());
    }
    return config.withConfig(run).requireConsistentHistory();
  }
}
