package dev.lading.build.dockerfile;

import dev.lading.build.LayerCache;
import dev.lading.digest.Digest;
import dev.lading.dockerfile.BuildArgs;
import dev.lading.dockerfile.DockerIgnore;
import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.DockerfileException;
import dev.lading.dockerfile.Instruction;
import dev.lading.dockerfile.Stage;
import dev.lading.exec.ExecutorChoice;
import dev.lading.layer.RootfsDiff;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.store.Lease;
import dev.lading.store.Store;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a Dockerfile into the store, unprivileged: each stage's base is unpacked into a private
 * work directory of the store, RUN steps run there through an executor (fakechroot+fakeroot, or
 * proot), and each RUN, COPY and ADD becomes one layer holding exactly what the step changed
 * ({@link RootfsDiff}); other instructions change the config and add a history entry. The image is
 * written in OCI format and named in the store.
 */
public final class DockerfileBuild {
  /** Lines of a failing RUN's output repeated in its error. */
  static final int TAIL_LINES = 15;

  /** Bumped when what a step's layer holds changes for the same inputs. */
  private static final String CACHE_VERSION = "lading-step-cache-1";

  final Store store;
  final ImageTransfer transfer;
  final Listener listener;
  final LayerCache cache;

  /** What a build tells as it goes. */
  public interface Listener {
    /** A step starts, an executor is chosen, a layer is written. */
    void info(String line);

    /** A line a RUN step printed. */
    void output(String line);

    /** Something the build cannot do as the Dockerfile asks, which it goes on without. */
    default void warn(String line) {
      info("warning: " + line);
    }
  }

  /**
   * What to build.
   *
   * @param context the build context directory (COPY and ADD sources)
   * @param dockerfile the Dockerfile's text
   * @param buildArgs {@code --build-arg} values
   * @param target the stage to build (name or index), null for the last
   * @param platform the platform of {@code FROM} images, null for this machine's
   * @param executor which executor runs RUN steps
   * @param sourceDateEpoch when set, the image's created time and every entry's upper bound; when
   *     not, the image and its history say 1970-01-01, as Jib's do, so that a rebuild whose steps
   *     all come from the step cache gives the same digest
   * @param names the store names to give the image ({@code repo:tag}); may be empty
   * @param noCache run every step, even one whose layer the step cache holds
   * @param workDirectory where stages are unpacked and run ({@link WorkDirectory}); null for the store
   * @param secrets the secrets for {@code RUN --mount=type=secret}, by id
   * @param sshAgents the ssh agents' sockets for {@code RUN --mount=type=ssh}, by id ({@link SshAgents})
   * @param compressionLevel the gzip level of the layers the steps make: 1 (fastest) to 9 (smallest),
   *     or -1 for zlib's default (6), as Docker, buildah and Jib write them
   * @param network false to run every RUN step as {@code RUN --network=none} does ({@code docker build
   *     --network=none}); true leaves it to each step
   */
  public record Options(Path context, String dockerfile, Map<String, String> buildArgs, String target,
      Platform platform, ExecutorChoice.Kind executor, Instant sourceDateEpoch, List<String> names,
      boolean noCache, Path workDirectory, Map<String, BuildSecret> secrets, Map<String, Path> sshAgents,
      int compressionLevel, boolean network) {
    /** Options with the work directory in the store. */
    public Options(Path context, String dockerfile, Map<String, String> buildArgs, String target,
        Platform platform, ExecutorChoice.Kind executor, Instant sourceDateEpoch, List<String> names,
        boolean noCache) {
      this(context, dockerfile, buildArgs, target, platform, executor, sourceDateEpoch, names, noCache, null);
    }

    /** Options with no secrets. */
    public Options(Path context, String dockerfile, Map<String, String> buildArgs, String target,
        Platform platform, ExecutorChoice.Kind executor, Instant sourceDateEpoch, List<String> names,
        boolean noCache, Path workDirectory) {
      this(context, dockerfile, buildArgs, target, platform, executor, sourceDateEpoch, names, noCache,
          workDirectory, Map.of(), Map.of(), DEFAULT_COMPRESSION, true);
    }

    /** These options with {@code secrets} (by id) for {@code RUN --mount=type=secret}. */
    public Options withSecrets(Map<String, BuildSecret> secrets) {
      return new Options(context, dockerfile, buildArgs, target, platform, executor, sourceDateEpoch, names,
          noCache, workDirectory, secrets, sshAgents, compressionLevel, network);
    }

    /** These options with layers compressed at gzip level {@code level} (1 to 9, or -1: the default). */
    public Options withCompressionLevel(int level) {
      return new Options(context, dockerfile, buildArgs, target, platform, executor, sourceDateEpoch, names,
          noCache, workDirectory, secrets, sshAgents, level, network);
    }

    /** These options with every RUN step kept off the network ({@code false}), or left to each step. */
    public Options withNetwork(boolean network) {
      return new Options(context, dockerfile, buildArgs, target, platform, executor, sourceDateEpoch, names,
          noCache, workDirectory, secrets, sshAgents, compressionLevel, network);
    }

    /** These options with ssh agents' sockets (by id) for {@code RUN --mount=type=ssh}. */
    public Options withSshAgents(Map<String, Path> sshAgents) {
      return new Options(context, dockerfile, buildArgs, target, platform, executor, sourceDateEpoch, names,
          noCache, workDirectory, secrets, sshAgents, compressionLevel, network);
    }

    public Options {
      Objects.requireNonNull(context, "context");
      Objects.requireNonNull(dockerfile, "dockerfile");
      buildArgs = buildArgs == null ? Map.of() : Map.copyOf(buildArgs);
      executor = executor == null ? ExecutorChoice.Kind.AUTO : executor;
      names = names == null ? List.of() : List.copyOf(names);
      secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
      sshAgents = sshAgents == null ? Map.of() : Map.copyOf(sshAgents);
      if (compressionLevel != DEFAULT_COMPRESSION && (compressionLevel < 1 || compressionLevel > 9)) {
        throw new IllegalArgumentException("the compression level must be 1 (fastest) to 9 (smallest), not "
            + compressionLevel);
      }
    }

    /**
     * A step's cache key ({@link DockerfileBuild#key}), with the layers' compression level where it
     * is not the default: a layer of another level has other bytes, and caches made before the level
     * could be chosen stay valid.
     */
    Digest stepKey(Digest parent, String... fields) {
      if (compressionLevel == DEFAULT_COMPRESSION) {
        return key(parent, fields);
      }
      String[] all = java.util.Arrays.copyOf(fields, fields.length + 1);
      all[fields.length] = "gzip level " + compressionLevel;
      return key(parent, all);
    }
  }

  /** zlib's default level (6). */
  public static final int DEFAULT_COMPRESSION = java.util.zip.Deflater.DEFAULT_COMPRESSION;

  /**
   * What was built.
   *
   * @param manifest the image manifest in the store
   * @param config its config digest
   * @param layersBuilt the layers the build's steps made
   * @param layersCached the layers taken from the step cache without running their step
   */
  public record Result(Descriptor manifest, Digest config, int layersBuilt, int layersCached) {}

  /** A build over {@code store}, taking base images through {@code transfer}. */
  public DockerfileBuild(Store store, ImageTransfer transfer, Listener listener) {
    this.store = Objects.requireNonNull(store, "store");
    this.transfer = Objects.requireNonNull(transfer, "transfer");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.cache = new LayerCache(store);
  }

  /** Builds; see the class comment. */
  public Result build(Options options) throws IOException {
    Dockerfile dockerfile = parse(options.dockerfile());
    Platform platform = options.platform() != null ? options.platform() : Platform.current();
    BuildArgs args = BuildArgs.of(options.buildArgs()).withTargetPlatform(platform.toString())
        .withBuildPlatform(Platform.current().toString());
    Stage target = options.target() == null ? dockerfile.lastStage()
        : dockerfile.stage(options.target()).orElseThrow(() -> new BuildException("no stage named '"
            + options.target() + "' in the Dockerfile; its stages are " + stageNames(dockerfile)));
    DockerIgnore ignore = dockerIgnore(options.context());
    boolean cacheMounts = dockerfile.stages().stream().filter(s -> s.index() <= target.index())
        .flatMap(s -> s.instructions().stream())
        .anyMatch(i -> i instanceof Instruction.Run r
            && r.mounts().stream().anyMatch(Instruction.CacheMount.class::isInstance));
    try (WorkDirectory work = WorkDirectory.open(store, options.workDirectory(), cacheMounts, listener::info);
        Lease lease = store.lease()) {
      Map<Integer, StageState> built = new HashMap<>();
      int steps = dockerfile.stages().stream().filter(s -> s.index() <= target.index())
          .mapToInt(s -> s.instructions().size() + 1).sum();
      Counter counter = new Counter(steps);
      int layersBuilt = 0;
      int layersCached = 0;
      for (Stage stage : dockerfile.stages()) {
        if (stage.index() > target.index()) {
          break;
        }
        StageBuild run = new StageBuild(this, dockerfile, stage, args, options, platform, ignore, built,
            work.path().resolve("stage-" + stage.index()), counter);
        try {
          built.put(stage.index(), run.run());
        } catch (IOException e) {
          throw work.explain(e);
        }
        layersBuilt += run.layersBuilt;
        layersCached += run.layersCached;
      }
      work.startRemoval(); // while the image is committed
      return commit(built.get(target.index()), options, layersBuilt, layersCached);
    } catch (DockerfileException e) {
      throw new BuildException(e.getMessage(), e);
    }
  }

  private Result commit(StageState state, Options options, int layersBuilt, int layersCached)
      throws IOException {
    Instant created = options.sourceDateEpoch() != null ? options.sourceDateEpoch() : Instant.EPOCH;
    ImageConfig config = state.config.withCreated(created);
    Descriptor configDescriptor = store.put(MediaTypes.OCI_CONFIG, Json.write(config));
    ImageManifest manifest = ImageManifest.of(ImageFormat.OCI, configDescriptor, state.layers)
        .requireSingleFamily();
    Descriptor stored = store.put(manifest.contentType(), Json.write(manifest));
    Map<String, Descriptor> refs = new LinkedHashMap<>();
    for (String name : options.names()) {
      refs.put(name, stored);
    }
    if (!refs.isEmpty()) {
      store.setRefs(refs);
    }
    return new Result(stored, configDescriptor.digest(), layersBuilt, layersCached);
  }

  private static Dockerfile parse(String text) throws BuildException {
    try {
      return Dockerfile.parse(text);
    } catch (DockerfileException e) {
      throw new BuildException(e.getMessage(), e);
    }
  }

  private static String stageNames(Dockerfile dockerfile) {
    List<String> names = new ArrayList<>();
    for (Stage s : dockerfile.stages()) {
      names.add(s.name().orElse(Integer.toString(s.index())));
    }
    return String.join(", ", names);
  }

  private static DockerIgnore dockerIgnore(Path context) throws IOException {
    Path file = context.resolve(".dockerignore");
    if (!Files.isRegularFile(file)) {
      return DockerIgnore.empty();
    }
    try {
      return DockerIgnore.parse(Files.readString(file));
    } catch (DockerfileException e) {
      throw new BuildException(".dockerignore: " + e.getMessage(), e);
    }
  }

  /** Numbers the steps as they run: "STEP 3/9". */
  static final class Counter {
    private int total;
    private int done;

    Counter(int total) {
      this.total = total;
    }

    String next() {
      return "STEP " + (++done) + "/" + total;
    }

    /** Counts {@code more} steps the Dockerfile does not show (a base's ONBUILD triggers). */
    void add(int more) {
      total += more;
    }
  }

  /**
   * A FROM or --from image: a location in Lading's forms ({@code docker://}, {@code oci:},
   * {@code store:}, archives), else a plain reference, taken from the store when it holds it (an
   * offline build) and from its registry otherwise.
   */
  static ImageLocation imageLocation(Store store, String image) throws IOException {
    if (image.contains("://") || ImageLocation.hasTransport(image)) {
      return ImageLocation.parse(image);
    }
    StoreLocation inStore = (StoreLocation) ImageLocation.parse("store:" + image);
    if (store.ref(inStore.ref()).isPresent()) {
      return inStore;
    }
    return ImageLocation.parse("docker://" + image);
  }

  /** A step cache key: the parent's key and what the step is, field by field. */
  static Digest key(Digest parent, String... fields) {
    java.security.MessageDigest md = Digest.newSha256();
    md.update((CACHE_VERSION + "\n" + (parent == null ? "-" : parent.toString()) + "\n")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    for (String field : fields) {
      md.update(field.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      md.update((byte) 0);
    }
    return Digest.fromRaw(md.digest());
  }

  /** An instruction's words, without where it was written (moving a line keeps the cache). */
  static String describe(Instruction instruction) {
    String text = instruction.toString();
    return text.replaceAll("Location\\[line=\\d+, endLine=\\d+, ", "Location[");
  }

  static Map<String, String> envMap(List<String> env) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String kv : env == null ? List.<String>of() : env) {
      int eq = kv.indexOf('=');
      map.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
    }
    return map;
  }

  static String join(String dir, String path) {
    return (dir.endsWith("/") ? dir : dir + "/") + path;
  }
}
