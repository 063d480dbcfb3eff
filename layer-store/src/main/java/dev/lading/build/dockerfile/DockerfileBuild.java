package dev.lading.build.dockerfile;

import dev.lading.build.LayerCache;
import dev.lading.build.StoredLayers;
import dev.lading.digest.Digest;
import dev.lading.dockerfile.BuildArgs;
import dev.lading.dockerfile.DockerIgnore;
import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.DockerfileException;
import dev.lading.dockerfile.Expander;
import dev.lading.dockerfile.Instruction;
import dev.lading.dockerfile.Stage;
import dev.lading.exec.ExecutorChoice;
import dev.lading.exec.ImageUser;
import dev.lading.exec.RootfsExecutor;
import dev.lading.exec.RunSpec;
import dev.lading.io.FileTrees;
import dev.lading.layer.LayerExtractor;
import dev.lading.layer.LayerResult;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.ReproducibleLayer;
import dev.lading.layer.RootfsDiff;
import dev.lading.layer.RootfsSnapshot;
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
import dev.lading.transfer.InspectResult;
import dev.lading.transfer.StoreLocation;
import dev.lading.transfer.UnpackOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a Dockerfile into the store, unprivileged: each stage's base is unpacked into a private
 * work directory of the store, RUN steps run there through an executor (fakechroot+fakeroot, or
 * proot), and each RUN, COPY and ADD becomes one layer holding exactly what the step changed
 * ({@link RootfsDiff}); other instructions change the config and add a history entry. The image is
 * written in OCI format and named in the store.
 */
public final class DockerfileBuild {
  /** Lines of a failing RUN's output repeated in its error. */
  private static final int TAIL_LINES = 15;

  /** Bumped when what a step's layer holds changes for the same inputs. */
  private static final String CACHE_VERSION = "lading-step-cache-1";

  private final Store store;
  private final ImageTransfer transfer;
  private final Listener listener;
  private final LayerCache cache;

  /** What a build tells as it goes. */
  public interface Listener {
    /** A step starts, an executor is chosen, a layer is written. */
    void info(String line);

    /** A line a RUN step printed. */
    void output(String line);
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
   */
  public record Options(Path context, String dockerfile, Map<String, String> buildArgs, String target,
      Platform platform, ExecutorChoice.Kind executor, Instant sourceDateEpoch, List<String> names,
      boolean noCache) {
    public Options {
      Objects.requireNonNull(context, "context");
      Objects.requireNonNull(dockerfile, "dockerfile");
      buildArgs = buildArgs == null ? Map.of() : Map.copyOf(buildArgs);
      executor = executor == null ? ExecutorChoice.Kind.AUTO : executor;
      names = names == null ? List.of() : List.copyOf(names);
    }
  }

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
    Path work = store.newTempDirectory("build-");
    try (Lease lease = store.lease()) {
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
        StageRun run = new StageRun(dockerfile, stage, args, options, platform, ignore, built,
            work.resolve("stage-" + stage.index()), counter);
        built.put(stage.index(), run.run());
        layersBuilt += run.layersBuilt;
        layersCached += run.layersCached;
      }
      return commit(built.get(target.index()), options, layersBuilt, layersCached);
    } catch (DockerfileException e) {
      throw new BuildException(e.getMessage(), e);
    } finally {
      FileTrees.deleteTree(work);
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
  private static final class Counter {
    private final int total;
    private int done;

    Counter(int total) {
      this.total = total;
    }

    String next() {
      return "STEP " + (++done) + "/" + total;
    }
  }

  /** One stage being built. */
  private final class StageRun {
    private final Dockerfile dockerfile;
    private final Stage stage;
    private final BuildArgs args;
    private final Options options;
    private final Platform platform;
    private final DockerIgnore ignore;
    private final Map<Integer, StageState> built;
    private final Path dir;
    private final Counter counter;
    private StageState state;
    private RootfsExecutor executor;
    private int layersBuilt;
    private int layersCached;

    StageRun(Dockerfile dockerfile, Stage stage, BuildArgs args, Options options, Platform platform,
        DockerIgnore ignore, Map<Integer, StageState> built, Path dir, Counter counter) {
      this.dockerfile = dockerfile;
      this.stage = stage;
      this.args = args;
      this.options = options;
      this.platform = platform;
      this.ignore = ignore;
      this.built = built;
      this.dir = dir;
      this.counter = counter;
    }

    StageState run() throws IOException, DockerfileException {
      Instruction.From from = Expander.expandFrom(dockerfile, args, stage);
      listener.info(counter.next() + ": " + from.location().text());
      state = base(from);
      Expander expander = Expander.forStage(dockerfile, args, envMap(state.run().env()));
      for (Instruction raw : stage.instructions()) {
        Instruction instruction = expander.expand(raw);
        listener.info(counter.next() + ": " + raw.location().text());
        try {
          if (!(instruction instanceof Instruction.Run || instruction instanceof Instruction.Copy
              || instruction instanceof Instruction.Add)) {
            // What a config-only step does follows from its words: they are part of every later key.
            state.chain = key(state.chain, "CONFIG", instruction.keyword(), describe(instruction));
          }
          step(instruction, expander);
        } catch (BuildException e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          throw new BuildException("line " + raw.location().line() + ": " + raw.keyword() + " failed: "
              + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
        }
      }
      return state;
    }

    private StageState base(Instruction.From from) throws IOException {
      Platform wanted = from.platform().map(Platform::parse).orElse(platform);
      Optional<Stage> earlier = dockerfile.baseStage(stage.index(), from.image());
      if (earlier.isPresent()) {
        StageState parent = built.get(earlier.get().index());
        StageState copy = new StageState(dir, parent.config, List.of());
        copy.layers.addAll(parent.layers);
        copy.shell = parent.shell;
        copy.chain = parent.chain;
        copy.base = () -> {
          materialize(parent);
          copyTree(parent.rootfs, copy.rootfs);
          Files.copy(parent.ownership, copy.ownership, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        };
        return copy;
      }
      if (from.image().equalsIgnoreCase("scratch")) {
        StageState scratch = StageState.scratch(dir, wanted);
        scratch.chain = key(null, "FROM scratch", wanted.toString());
        return scratch;
      }
      ImageLocation location = imageLocation(from.image());
      InspectResult inspected = transfer.inspect(location, wanted);
      ImageConfig config = inspected.imageConfig();
      if (config.configOrEmpty().unknown().containsKey("OnBuild")
          && config.configOrEmpty().unknown().get("OnBuild").size() > 0) {
        throw new BuildException("line " + from.location().line() + ": the base image " + from.image()
            + " has ONBUILD triggers, which this Lading does not run yet; build from an image without"
            + " them");
      }
      StageState base = new StageState(dir, config, inspected.imageManifest().layers());
      base.chain = key(null, "FROM", inspected.image().digest().toString());
      // Unpacked only when a step must run: a rebuild whose steps are all cached never unpacks.
      base.base = () -> {
        transfer.unpack(location, base.rootfs, UnpackOptions.defaults().withPlatform(wanted)
            .withPreserveOwnership(false).withOwnershipFile(base.ownership).withAllowNonEmptyTarget(true)
            .withLayersIntoStore(true));
        if (!Files.exists(base.ownership)) {
          OwnershipMap.empty().save(base.ownership);
        }
      };
      // The base's layers go into the image whether or not it is unpacked.
      for (Descriptor layer : inspected.imageManifest().layers()) {
        if (!store.has(layer.digest())) {
          base.base.fill();
          base.base = null;
          break;
        }
      }
      return base;
    }

    /** Makes the stage's root file system what its layers say: the base, then cached layers. */
    private void materialize(StageState s) throws IOException {
      if (s.base != null) {
        s.base.fill();
        s.base = null;
      }
      if (!s.pending.isEmpty()) {
        LayerExtractor extractor = LayerExtractor.builder().preserveOwnership(false)
            .ownershipFile(s.ownership).build();
        for (Descriptor layer : s.pending) {
          extractor.apply(s.rootfs, store.blobPath(layer.digest()));
        }
        s.pending.clear();
      }
    }

    /** Takes the step's layer from the cache when it holds one for {@code key}. */
    private boolean cached(Digest key, Instant created, String createdBy) throws IOException {
      if (options.noCache()) {
        return false;
      }
      Optional<LayerResult> hit = cache.get(key);
      if (hit.isEmpty()) {
        return false;
      }
      Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, hit.get().digest(), hit.get().size());
      state.addLayer(layer, hit.get().diffId(), created, createdBy);
      state.pending.add(layer);
      state.chain = key;
      layersCached++;
      listener.info("cached layer " + hit.get().digest().shortHex());
      return true;
    }

    private void step(Instruction instruction, Expander expander) throws IOException, DockerfileException {
      Instant created = options.sourceDateEpoch() != null ? options.sourceDateEpoch() : Instant.EPOCH;
      ImageConfig.RunConfig run = state.run();
      if (instruction instanceof Instruction.Run r) {
        runStep(r, expander, created);
      } else if (instruction instanceof Instruction.Copy c) {
        copyStep(c.location(), c.sources(), c.inlineSources(), c.destination(), c.from(), c.chown(),
            c.chmod(), false, created, "COPY");
      } else if (instruction instanceof Instruction.Add a) {
        copyStep(a.location(), a.sources(), a.inlineSources(), a.destination(), Optional.empty(), a.chown(),
            a.chmod(), true, created, "ADD");
      } else if (instruction instanceof Instruction.Env e) {
        Map<String, String> env = envMap(run.env());
        e.pairs().forEach(p -> env.put(p.key(), p.value()));
        List<String> list = new ArrayList<>();
        env.forEach((k, v) -> list.add(k + "=" + v));
        state.run(run.withEnv(list));
        state.addHistory(created, "ENV " + e.location().text().substring(3).strip());
      } else if (instruction instanceof Instruction.Arg) {
        // Build arguments shape later steps; they leave no trace in the image.
      } else if (instruction instanceof Instruction.Workdir w) {
        String path = w.path().startsWith("/") ? w.path() : join(state.workdir(), w.path());
        state.run(run.withWorkingDir(path));
        state.addHistory(created, "WORKDIR " + path);
      } else if (instruction instanceof Instruction.User u) {
        state.run(run.withUser(u.user()));
        state.addHistory(created, "USER " + u.user());
      } else if (instruction instanceof Instruction.Cmd c) {
        state.run(run.withCmd(command(c.command())));
        state.addHistory(created, "CMD " + command(c.command()));
      } else if (instruction instanceof Instruction.Entrypoint e) {
        // As Docker: a new entrypoint drops the cmd inherited from the base.
        state.run(run.withEntrypoint(command(e.command())).withCmd(null));
        state.addHistory(created, "ENTRYPOINT " + command(e.command()));
      } else if (instruction instanceof Instruction.Expose x) {
        java.util.Set<String> ports = new java.util.TreeSet<>(run.exposedPorts() == null ? List.of() : run.exposedPorts());
        for (String p : x.ports()) {
          ports.add(p.contains("/") ? p : p + "/tcp");
        }
        state.run(run.withExposedPorts(ports));
        state.addHistory(created, "EXPOSE " + String.join(" ", x.ports()));
      } else if (instruction instanceof Instruction.Label l) {
        Map<String, String> labels = new LinkedHashMap<>(run.labels() == null ? Map.of() : run.labels());
        l.pairs().forEach(p -> labels.put(p.key(), p.value()));
        state.run(run.withLabels(labels));
        state.addHistory(created, "LABEL " + l.location().text().substring(5).strip());
      } else if (instruction instanceof Instruction.Maintainer m) {
        state.config = state.config.withAuthor(m.name());
        state.addHistory(created, "MAINTAINER " + m.name());
      } else if (instruction instanceof Instruction.Volume v) {
        java.util.Set<String> volumes = new java.util.LinkedHashSet<>(run.volumes() == null ? List.of() : run.volumes());
        volumes.addAll(v.paths());
        state.run(run.withVolumes(volumes));
        state.addHistory(created, "VOLUME " + v.paths());
      } else if (instruction instanceof Instruction.StopSignal s) {
        state.run(run.withStopSignal(s.signal()));
        state.addHistory(created, "STOPSIGNAL " + s.signal());
      } else if (instruction instanceof Instruction.Shell s) {
        state.shell = s.shell();
        state.addHistory(created, "SHELL " + s.shell());
      } else if (instruction instanceof Instruction.Healthcheck h) {
        state.run(withUnknown(run, "Healthcheck", healthcheck(h)));
        state.addHistory(created, "HEALTHCHECK " + h.location().text().substring(11).strip());
      } else if (instruction instanceof Instruction.Onbuild o) {
        com.fasterxml.jackson.databind.node.ArrayNode triggers = Json.mapper().createArrayNode();
        com.fasterxml.jackson.databind.JsonNode old = run.unknown().get("OnBuild");
        if (old != null && old.isArray()) {
          triggers.addAll((com.fasterxml.jackson.databind.node.ArrayNode) old);
        }
        triggers.add(o.expression());
        state.run(withUnknown(run, "OnBuild", triggers));
        state.addHistory(created, "ONBUILD " + o.expression());
      } else {
        throw new BuildException("line " + instruction.location().line() + ": " + instruction.keyword()
            + " is not supported");
      }
    }

    private void runStep(Instruction.Run r, Expander expander, Instant created) throws IOException {
      if (!r.mounts().isEmpty()) {
        throw new BuildException("line " + r.location().line() + ": RUN --mount=type=cache is not"
            + " supported yet; remove the --mount flag (the step then runs without the cache)");
      }
      List<String> argv = r.command().execForm() ? r.command().args() : shellCommand(r);
      List<String> env = new ArrayList<>();
      expander.runEnvironment().forEach((k, v) -> env.add(k + "=" + v));
      String createdBy = "RUN " + String.join(" ", argv);
      Digest key = key(state.chain, "RUN", String.join("\0", argv), String.join("\0", env),
          state.workdir(), String.valueOf(state.run().user()), options.executor().name());
      if (cached(key, created, createdBy)) {
        return;
      }
      materialize(state);
      if (executor == null) {
        ExecutorChoice choice = ExecutorChoice.choose(options.executor(), state.rootfs);
        listener.info("executor: " + choice.reason());
        executor = choice.executor();
      }
      RunSpec spec = new RunSpec(state.rootfs, argv, env, state.workdir(), state.run().user(),
          state.ownership);
      OwnershipMap ownersBefore = OwnershipMap.load(state.ownership);
      RootfsSnapshot before = RootfsSnapshot.take(state.rootfs);
      Deque<String> tail = new ArrayDeque<>();
      int exit = executor.run(spec, line -> {
        listener.output(line);
        if (tail.size() == TAIL_LINES) {
          tail.removeFirst();
        }
        tail.addLast(line);
      });
      if (exit != 0) {
        throw new BuildException("line " + r.location().line() + ": RUN " + r.command().text()
            + " failed with exit code " + exit + (tail.isEmpty() ? "" : "; its last lines:\n  "
            + String.join("\n  ", tail)));
      }
      layer(before, ownersBefore, created, createdBy, key);
    }

    /** The shell-form command through SHELL; a lone heredoc ({@code RUN <<EOF}) is the script itself. */
    private List<String> shellCommand(Instruction.Run r) {
      String text = r.command().text();
      if (!r.heredocs().isEmpty()) {
        String marker = text.strip();
        if (r.heredocs().size() == 1 && marker.matches("<<-?[\"']?" + java.util.regex.Pattern.quote(
            r.heredocs().get(0).name()) + "[\"']?")) {
          text = r.heredocs().get(0).content();
        } else {
          // The shell reads the here-documents itself, as BuildKit hands them over.
          StringBuilder script = new StringBuilder(text);
          for (var heredoc : r.heredocs()) {
            script.append('\n').append(heredoc.content());
            if (!heredoc.content().endsWith("\n")) {
              script.append('\n');
            }
            script.append(heredoc.name());
          }
          text = script.toString();
        }
      }
      List<String> argv = new ArrayList<>(state.shell);
      argv.add(text);
      return argv;
    }

    private void copyStep(Instruction.Location location, List<String> sources,
        List<dev.lading.dockerfile.Heredoc> inline, String destination, Optional<String> from,
        Optional<String> chown, Optional<String> chmod, boolean add, Instant created, String keyword)
        throws IOException {
      String createdBy = keyword + " " + location.text().substring(keyword.length()).strip();
      Sources source = sources(from, location);
      try {
        Digest key = key(state.chain, keyword, String.join("\0", sources), destination, state.workdir(),
            chown.orElse("-"), chmod.orElse("-"), source.identity() != null ? source.identity()
                : ContextSources.fingerprint(source.root(), source.ignore(), sources, inline, location,
                    keyword).toString());
        if (cached(key, created, createdBy)) {
          return;
        }
        materialize(state);
        OwnershipMap ownersBefore = OwnershipMap.load(state.ownership);
        RootfsSnapshot before = RootfsSnapshot.take(state.rootfs);
        Long uid = null;
        Long gid = null;
        if (chown.isPresent()) {
          // Names are looked up in the image's own passwd and group, as Docker does.
          ImageUser user = ImageUser.resolve(state.rootfs, chown.get());
          uid = user.uid();
          gid = user.gid();
        }
        Integer mode = chmod.map(m -> parseMode(m, location)).orElse(null);
        FileCopier copier = new FileCopier(state.rootfs.toRealPath(), ownersBefore, uid, gid, mode);
        String dest = destination.startsWith("/") ? destination : join(state.workdir(), destination);
        ContextSources.copy(copier, source.root(), source.ignore(), sources, inline, dest, add, location,
            keyword);
        copier.ownership().save(state.ownership);
        layer(before, ownersBefore, created, createdBy, key);
      } finally {
        source.close();
      }
    }

    private Sources sources(Optional<String> from, Instruction.Location location) throws IOException {
      if (from.isEmpty()) {
        return new Sources(options.context(), ignore, null, null);
      }
      Optional<Stage> other = dockerfile.stage(from.get());
      if (other.isPresent()) {
        StageState done = built.get(other.get().index());
        if (done == null || other.get().index() >= stage.index()) {
          throw new BuildException("line " + location.line() + ": COPY --from=" + from.get()
              + " names this stage or a later one; copy from an earlier stage");
        }
        materialize(done);
        return new Sources(done.rootfs, DockerIgnore.empty(), null, "stage " + done.chain);
      }
      Path temp = dir.resolveSibling(dir.getFileName() + "-from-" + Integer.toHexString(from.get().hashCode()));
      Files.createDirectories(temp);
      transfer.unpack(imageLocation(from.get()), temp.resolve("rootfs"), UnpackOptions.defaults()
          .withPlatform(platform).withPreserveOwnership(false).withOwnershipFile(temp.resolve("ownership.json")));
      return new Sources(temp.resolve("rootfs"), DockerIgnore.empty(), temp, null);
    }

    /** Writes the step's changes as a layer and adds it to the stage. */
    private void layer(RootfsSnapshot before, OwnershipMap ownersBefore, Instant created, String createdBy,
        Digest key) throws IOException {
      RootfsSnapshot after = RootfsSnapshot.take(state.rootfs);
      RootfsDiff.Result diff = RootfsDiff.between(before, after, ownersBefore,
          OwnershipMap.load(state.ownership), options.sourceDateEpoch());
      diff.notes().forEach(listener::info);
      ReproducibleLayer layer = ReproducibleLayer.builder().implicitParents(false)
          .hardlinksToLowerLayers(true).addAll(diff.entries()).build();
      LayerResult result = StoredLayers.write(store, layer, createdBy);
      cache.put(key, result);
      state.chain = key;
      state.addLayer(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, result.digest(), result.size()),
          result.diffId(), created, createdBy);
      layersBuilt++;
      listener.info("layer " + result.digest().shortHex() + " (" + diff.entries().size()
          + (diff.entries().size() == 1 ? " entry, " : " entries, ") + result.size() + " bytes)");
    }

    private List<String> command(Instruction.CommandLine command) {
      if (command.execForm()) {
        return command.args();
      }
      List<String> argv = new ArrayList<>(state.shell);
      argv.add(command.text());
      return argv;
    }

    private com.fasterxml.jackson.databind.JsonNode healthcheck(Instruction.Healthcheck h) {
      var node = Json.mapper().createObjectNode();
      var test = node.putArray("Test");
      if (h.none()) {
        test.add("NONE");
        return node;
      }
      Instruction.CommandLine cmd = h.test().orElseThrow();
      if (cmd.execForm()) {
        test.add("CMD");
        cmd.args().forEach(test::add);
      } else {
        test.add("CMD-SHELL");
        test.add(cmd.text());
      }
      putDuration(node, "Interval", h.interval());
      putDuration(node, "Timeout", h.timeout());
      putDuration(node, "StartPeriod", h.startPeriod());
      putDuration(node, "StartInterval", h.startInterval());
      if (h.retries() > 0) {
        node.put("Retries", h.retries());
      }
      return node;
    }
  }

  /** Where COPY sources come from; {@code cleanup} is a directory to delete afterwards. */
  /**
   * Where COPY sources come from; {@code cleanup} is a directory to delete afterwards, {@code identity}
   * what the cache key says of them (an earlier stage's key), null to fingerprint their files.
   */
  private record Sources(Path root, DockerIgnore ignore, Path cleanup, String identity)
      implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (cleanup != null) {
        FileTrees.deleteTree(cleanup);
      }
    }
  }

  private static void putDuration(com.fasterxml.jackson.databind.node.ObjectNode node, String key,
      java.time.Duration d) {
    if (d != null && !d.isZero()) {
      node.put(key, d.toNanos());
    }
  }

  private static ImageConfig.RunConfig withUnknown(ImageConfig.RunConfig run, String key,
      com.fasterxml.jackson.databind.JsonNode value) {
    Map<String, com.fasterxml.jackson.databind.JsonNode> unknown = new LinkedHashMap<>(run.unknown());
    unknown.put(key, value);
    return new ImageConfig.RunConfig(run.user(), run.exposedPorts(), run.env(), run.entrypoint(),
        run.cmd(), run.volumes(), run.workingDir(), run.labels(), run.stopSignal(), unknown);
  }

  /**
   * A FROM or --from image: a location in Lading's forms ({@code docker://}, {@code oci:},
   * {@code store:}, archives), else a plain reference, taken from the store when it holds it (an
   * offline build) and from its registry otherwise.
   */
  private ImageLocation imageLocation(String image) throws IOException {
    if (image.contains("://") || image.startsWith("oci:") || image.startsWith("store:")
        || image.startsWith("oci-archive:") || image.startsWith("docker-archive:")) {
      return ImageLocation.parse(image);
    }
    StoreLocation inStore = (StoreLocation) ImageLocation.parse("store:" + image);
    if (store.ref(inStore.ref()).isPresent()) {
      return inStore;
    }
    return ImageLocation.parse("docker://" + image);
  }

  /** A step cache key: the parent's key and what the step is, field by field. */
  private static Digest key(Digest parent, String... fields) {
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
  private static String describe(Instruction instruction) {
    String text = instruction.toString();
    return text.replaceAll("Location\\[line=\\d+, endLine=\\d+, ", "Location[");
  }

  private static Map<String, String> envMap(List<String> env) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String kv : env == null ? List.<String>of() : env) {
      int eq = kv.indexOf('=');
      map.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
    }
    return map;
  }

  private static String join(String dir, String path) {
    return (dir.endsWith("/") ? dir : dir + "/") + path;
  }

  private static int parseMode(String mode, Instruction.Location location) {
    try {
      int value = Integer.parseInt(mode, 8);
      if (value < 0 || value > 07777) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--chmod=" + mode + " is not an octal mode (such as 0755)");
    }
  }

  /** A copy of a stage's tree for a stage built on it: cp -a keeps links, times and modes. */
  private static void copyTree(Path from, Path to) throws IOException {
    Process p = new ProcessBuilder("cp", "-a", "--reflink=auto", from + "/.", to.toString())
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("copying the stage's files failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while copying a stage");
    }
  }
}
