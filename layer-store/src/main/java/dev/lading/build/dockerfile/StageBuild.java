package dev.lading.build.dockerfile;

import dev.lading.build.LayerCache;
import dev.lading.build.StoredLayers;
import dev.lading.digest.Digest;
import dev.lading.dockerfile.BuildArgs;
import dev.lading.dockerfile.ChmodFlag;
import dev.lading.dockerfile.DockerIgnore;
import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.DockerfileException;
import dev.lading.dockerfile.Expander;
import dev.lading.dockerfile.Instruction;
import dev.lading.dockerfile.Stage;
import dev.lading.exec.Emulation;
import dev.lading.exec.ExecutorChoice;
import dev.lading.exec.HostRootedLinks;
import dev.lading.exec.ImageUser;
import dev.lading.exec.Mounts;
import dev.lading.exec.RootfsExecutor;
import dev.lading.exec.RunSpec;
import dev.lading.io.FileErrors;
import dev.lading.io.FileTrees;
import dev.lading.layer.LayerResult;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.ReproducibleLayer;
import dev.lading.layer.RootfsDiff;
import dev.lading.layer.RootfsSnapshot;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.store.Store;
import dev.lading.store.StoreDirectory;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.UnpackOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One stage of a Dockerfile build: its base ({@link StageBases}), then each
 * instruction in turn: RUN through an executor, COPY and ADD through {@link ContextSources}, the
 * rest through {@link ConfigSteps}; each RUN, COPY and ADD is one layer of what it changed, taken
 * from the step cache when its inputs are unchanged.
 */
final class StageBuild {
  private final Dockerfile dockerfile;
  private final Stage stage;
  private final BuildArgs args;
  private final DockerfileBuild.Options options;
  private final Platform platform;
  private final DockerIgnore ignore;
  private final Map<Integer, StageState> built;
  private final Path dir;
  private final DockerfileBuild.Counter counter;
  private StageState state;
  private RootfsExecutor executor;
  int layersBuilt;
  int layersCached;

  private final Store store;
  private final ImageTransfer transfer;
  private final DockerfileBuild.Listener listener;
  private final LayerCache cache;

  StageBuild(DockerfileBuild build, Dockerfile dockerfile, Stage stage, BuildArgs args,
      DockerfileBuild.Options options, Platform platform, DockerIgnore ignore,
      Map<Integer, StageState> built, Path dir, DockerfileBuild.Counter counter) {
    this.store = build.store;
    this.transfer = build.transfer;
    this.listener = build.listener;
    this.cache = build.cache;
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
    state = new StageBases(store, transfer, dockerfile, built).start(stage, from, platform, dir);
    List<String> triggers = takeTriggers();
    Expander expander = Expander.forStage(dockerfile, args, DockerfileBuild.envMap(state.run().env()));
    counter.add(triggers.size());
    for (String expression : triggers) {
      // As Docker: the base's triggers run right after FROM, in the order they were written, with
      // this build's context and arguments, each as if it were written here.
      try {
        execute(Dockerfile.parseTrigger(expression), expander);
      } catch (DockerfileException | BuildException e) {
        throw new BuildException("line " + from.location().line() + ": the ONBUILD trigger \""
            + expression + "\" of " + from.image() + ": " + e.getMessage(), e);
      }
    }
    for (Instruction raw : stage.instructions()) {
      execute(raw, expander);
    }
    return state;
  }

  /**
   * The base's ONBUILD triggers, removed from the stage's config: Docker runs them in the build
   * that uses the image as its base and does not pass them on to the image that build makes.
   */
  private List<String> takeTriggers() {
    com.fasterxml.jackson.databind.JsonNode node = state.run().unknown().get("OnBuild");
    if (node == null) {
      return List.of();
    }
    List<String> triggers = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(t -> triggers.add(t.asText()));
    }
    state.run(ConfigSteps.withoutUnknown(state.run(), "OnBuild"));
    if (!triggers.isEmpty()) {
      // The image built differs from its base by the dropped triggers: say so in every later key.
      state.chain = DockerfileBuild.key(state.chain, "ONBUILD-TRIGGERS", String.join("\0", triggers));
    }
    return triggers;
  }

  /** Runs one instruction (of the Dockerfile, or a base's trigger) as the next step. */
  private void execute(Instruction raw, Expander expander) throws IOException, DockerfileException {
    Instruction instruction = expander.expand(raw);
    listener.info(counter.next() + ": " + raw.location().text());
    try {
      if (!(instruction instanceof Instruction.Run || instruction instanceof Instruction.Copy
          || instruction instanceof Instruction.Add)) {
        // What a config-only step does follows from its words: they are part of every later key.
        state.chain = DockerfileBuild.key(state.chain, "CONFIG", instruction.keyword(), DockerfileBuild.describe(instruction));
      }
      step(instruction, expander);
    } catch (BuildException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new BuildException("line " + raw.location().line() + ": " + raw.keyword() + " failed: "
          + problem(e), e);
    }
  }

  /** Whether step {@code r} has the network: not when it or the build says none. */
  private boolean network(Instruction.Run r) {
    return r.network() && options.network();
  }

  /**
   * What went wrong, said so that it can be acted on: a file error's message is only its path
   * (a context directory the building user cannot read, say).
   */
  private static String problem(Exception e) {
    String said = FileErrors.describe(e);
    return said.startsWith("permission denied: ") ? said + " (the build runs as "
        + StoreDirectory.userName() + ", who must be able to read the build context)" : said;
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
    } else if (instruction instanceof Instruction.Copying c) {
      copyStep(c, created);
    } else if (!ConfigSteps.apply(state, instruction, created)) {
      throw new BuildException("line " + instruction.location().line() + ": " + instruction.keyword()
          + " is not supported");
    }
  }

  private void runStep(Instruction.Run r, Expander expander, Instant created) throws IOException {
    List<String> argv = r.command().execForm() ? r.command().args()
        : RunInstructions.shellCommand(r, state.shell);
    List<String> env = new ArrayList<>();
    expander.runEnvironment().forEach((k, v) -> env.add(k + "=" + v));
    String createdBy = "RUN " + String.join(" ", argv);
    // A bind mount's source is put on disk only when the step must run; its contents are in the key.
    // So is a seeded cache's seed; its stage's key or image's digest is in the key.
    StepMounts.Sourced sourced = new StepMounts.Sourced();
    Map<Optional<String>, Sources> roots = new java.util.HashMap<>(); // one per stage or image
    try {
      StringBuilder mountsKey = new StringBuilder(r.mounts().isEmpty() ? "" : r.mounts().toString());
      for (Instruction.Mount m : r.mounts()) {
        if (m instanceof Instruction.BindMount b && !sourced.binds().containsKey(b)) {
          Sources source = sharedSources(roots, b.from(), r.location(), "RUN --mount=type=bind,from=");
          sourced.binds().put(b, source);
          mountsKey.append('\n').append(source.identity() != null ? source.identity()
              : ContextSources.fingerprint(source.root(), source.ignore(), ContextSources.Flags.NONE,
                  List.of(b.source()), List.of(), r.location(), "RUN --mount=type=bind: source").toString());
        } else if (m instanceof Instruction.CacheMount c && c.from().isPresent()
            && !sourced.seeds().containsKey(c)) {
          Sources source = sharedSources(roots, c.from(), r.location(), "RUN --mount=type=cache,from=");
          sourced.seeds().put(c, source);
          mountsKey.append("\ncache from ").append(source.identity());
        }
      }
      if (RunInstructions.setsCapabilities(r) || RunInstructions.installsPackages(r)) {
        mountsKey.append("\nfile capabilities kept"); // layers cached before they were are not reused
      }
      if (!network(r)) {
        mountsKey.append("\nnetwork none"); // its result may differ from the same step's with a network
      }
      Digest key = options.stepKey(state.chain, "RUN", String.join("\0", argv),
          String.join("\0", env), state.workdir(), String.valueOf(state.run().user()), options.executor().name(),
          // The mounts as written (and what binds show), never the caches' contents: BuildKit's
          // key, so a warm cache does not make a step run again.
          mountsKey.toString());
      if (cached(key, created, createdBy)) {
        return;
      }
      runStep(r, argv, env, sourced, created, createdBy, key);
    } finally {
      for (Sources source : roots.values()) {
        source.close();
      }
    }
  }

  private void runStep(Instruction.Run r, List<String> argv, List<String> env,
      StepMounts.Sourced sourced, Instant created, String createdBy, Digest key)
      throws IOException {
    RunInstructions.requireRunnable(r, state.config.platform(), options.executor());
    Mounts.requireExec(state.rootfs); // before a base is unpacked for nothing
    state.materialize(store);
    if (executor == null) {
      ExecutorChoice choice = ExecutorChoice.choose(options.executor(), state.rootfs,
          state.config.platform(), store.workAreas().cacheDirectory(ExecutorChoice.LIBRARIES_CACHE));
      listener.info("executor: " + choice.reason());
      executor = choice.executor();
    }
    RunInstructions.lostAttributes(r).ifPresent(listener::warn);
    FileCapabilityRecord capabilities = FileCapabilityRecord.forStep(r);
    List<String> command = capabilities == null ? argv : capabilities.command(argv);
    OwnershipMap ownersBefore = OwnershipMap.load(state.ownership);
    RootfsSnapshot before = snapshotBefore();
    if (executor.followsLinksOnTheHost()) {
      before = HostRootedLinks.root(before);
    }
    Deque<String> tail = new ArrayDeque<>();
    int exit;
    RootfsSnapshot[] afterRun = new RootfsSnapshot[1];
    // Mounted after the snapshot and gone before the next one: the mounts never reach the layer.
    StepMounts mounts = new StepMounts(store, dir, listener::info, options.secrets(), options.sshAgents());
    CacheMounts.Mounted mounted = mounts.mount(r, sourced, state.rootfs.toRealPath(), state.ownership,
        state.workdir(), executor.binds());
    // The walks, before and after, are the tree the command sees unless something was moved into it.
    boolean walksHoldTheTree = mounted.targets().isEmpty();
    try {
      RunSpec spec = new RunSpec(state.rootfs, command, mounts.environment(r, env), state.workdir(), state.run().user(),
          state.ownership, mounted.binds(), walksHoldTheTree ? before : null, network(r));
      exit = executor.run(spec, line -> {
        if (capabilities != null && capabilities.take(line)) {
          return;
        }
        listener.output(line);
        if (tail.size() == DockerfileBuild.TAIL_LINES) {
          tail.removeFirst();
        }
        tail.addLast(line);
      }, after -> afterRun[0] = after);
    } finally {
      mounted.close();
      CacheMounts.restoreOwners(state.ownership, ownersBefore, mounted.targets());
    }
    if (exit != 0) {
      throw new BuildException("line " + r.location().line() + ": RUN " + r.command().text()
          + " failed with exit code " + exit + (tail.isEmpty() ? "" : "; its last lines:\n  "
          + String.join("\n  ", tail)));
    }
    if (capabilities != null) {
      capabilities.apply(state.rootfs, state.ownership, ownersBefore,
          ImageUser.resolve(state.rootfs, state.run().user()), listener::info);
    }
    layer(before, walksHoldTheTree ? afterRun[0] : null, ownersBefore, created, createdBy, key);
  }

  /**
   * Refuses, before anything is unpacked or run, a RUN whose programs are built for another machine
   * when nothing here can run them (only proot with a qemu emulator can, see {@link Emulation}): the
   * host's loader would fail on them with an error far from the cause ("Exec format error"). Stages
   * with only COPY, ADD and config steps build for any platform.
   */
  private void copyStep(Instruction.Copying c, Instant created) throws IOException, DockerfileException {
    Instruction.Location location = c.location();
    List<String> sources = c.sources();
    List<dev.lading.dockerfile.Heredoc> inline = c.inlineSources();
    String destination = c.destination();
    Optional<String> chown = c.chown();
    Optional<String> chmod = c.chmod();
    Optional<String> checksum = c.checksum();
    boolean add = c instanceof Instruction.Add;
    String keyword = c.keyword();
    ContextSources.Flags flags = ContextSources.Flags.of(c);
    String createdBy = keyword + " " + location.text().substring(keyword.length()).strip();
    Sources source = sources(c.from(), location, "COPY --from=");
    List<String> urls = add ? sources.stream().filter(Instruction.Add::isUrl).toList() : List.of();
    List<String> gits = add ? sources.stream().filter(Instruction.Add::isGit).toList() : List.of();
    List<String> local = sources.stream().filter(s -> !urls.contains(s) && !gits.contains(s)).toList();
    boolean keepGitDir = c instanceof Instruction.Add a && a.keepGitDir();
    try (UrlSources downloads = new UrlSources(transfer, dir.resolveSibling(dir.getFileName() + "-downloads"),
        listener::info);
        GitSources repositories = new GitSources(dir.resolveSibling(dir.getFileName() + "-git"), listener::info,
            options.sshAgents().get("default"))) {
      StringBuilder what = new StringBuilder(source.identity() != null ? source.identity()
          : ContextSources.fingerprint(source.root(), source.ignore(), flags, local, inline, location,
              keyword).toString());
      for (String url : urls) {
        what.append('\n').append(downloads.identity(url, checksum, location));
      }
      for (String git : gits) {
        what.append('\n').append(repositories.identity(git, keepGitDir, location));
      }
      List<String> fields = new java.util.ArrayList<>(List.of(keyword, String.join("\0", sources), destination,
          state.workdir(), chown.orElse("-"), chmod.orElse("-"), what.toString()));
      // Flags only in the keys of steps that use them: the other steps keep their cache entries.
      if (!c.excludes().isEmpty()) {
        fields.add("exclude\0" + String.join("\0", c.excludes()));
      }
      if (c instanceof Instruction.Add a && a.unpack().isPresent()) {
        fields.add("unpack " + a.unpack().get());
      }
      if (c.parents()) {
        fields.add("parents");
      }
      Digest key = options.stepKey(state.chain, fields.toArray(String[]::new));
      if (cached(key, created, createdBy)) {
        return;
      }
      if (source.fill() != null) {
        source.fill().fill();
      }
      state.materialize(store);
      OwnershipMap ownersBefore = OwnershipMap.load(state.ownership);
      RootfsSnapshot before = snapshotBefore();
      Long uid = null;
      Long gid = null;
      if (chown.isPresent()) {
        // Names are looked up in the image's own passwd and group, as Docker does.
        ImageUser user = ImageUser.resolve(state.rootfs, chown.get());
        uid = user.uid();
        gid = user.gid();
      }
      ChmodFlag mode = chmod.map(ChmodFlag::parse).orElse(null);
      FileCopier copier = new FileCopier(state.rootfs.toRealPath(), ownersBefore, uid, gid, mode)
          .from(source.ownership() == null ? null : source.root().toRealPath());
      String dest = destination.startsWith("/") ? destination : DockerfileBuild.join(state.workdir(), destination);
      copier.workdir(state.workdir()); // "COPY f ." and "COPY f /wd" go into it, as after Docker's WORKDIR
      // From a stage or an image, owners and modes are what that root file system records.
      Function<String, OwnershipMap.Ownership> recorded = source.ownership() == null
          ? null : OwnershipMap.load(source.ownership()).entries()::get;
      List<ContextSources.Download> downloaded = new java.util.ArrayList<>();
      for (String url : urls) {
        downloaded.add(new ContextSources.Download(UrlSources.fileName(url, location),
            downloads.file(url, checksum, location)));
      }
      ContextSources.copy(copier, source.root(), recorded, source.ignore(), flags, local, inline, downloaded,
          dest, location, keyword);
      for (String git : gits) {
        ContextSources.copyRepository(copier, repositories.tree(git, keepGitDir, location), dest, flags);
      }
      copier.ownership().saveTemporary(state.ownership);
      layer(before, null, ownersBefore, created, createdBy, key);
    } finally {
      source.close();
    }
  }

  /** The sources {@code from} names, made once per step: mounts from one stage or image share them. */
  private Sources sharedSources(Map<Optional<String>, Sources> made, Optional<String> from,
      Instruction.Location location, String what) throws IOException {
    Sources source = made.get(from);
    if (source == null) {
      source = sources(from, location, what);
      made.put(from, source);
    }
    return source;
  }

  /**
   * Where a COPY's sources are: the context, an earlier stage or an image. A stage or an image is
   * named in the cache key by its own key or digest and put on disk only when the step must run.
   */
  private Sources sources(Optional<String> from, Instruction.Location location, String what)
      throws IOException {
    if (from.isEmpty()) {
      return new Sources(options.context(), null, ignore, null, null, null);
    }
    Optional<Stage> other = dockerfile.stage(from.get());
    if (other.isPresent()) {
      StageState done = built.get(other.get().index());
      if (done == null || other.get().index() >= stage.index()) {
        throw new BuildException("line " + location.line() + ": " + what + from.get()
            + " names this stage or a later one; name an earlier stage");
      }
      return new Sources(done.rootfs, done.ownership, DockerIgnore.empty(), null, "stage " + done.chain,
          () -> done.materialize(store));
    }
    ImageLocation image = DockerfileBuild.imageLocation(store, from.get());
    String digest = transfer.inspect(image, platform).image().digest().toString();
    Path temp = dir.resolveSibling(dir.getFileName() + "-from-" + Integer.toHexString(from.get().hashCode()));
    return new Sources(temp.resolve("rootfs"), temp.resolve("ownership.json"), DockerIgnore.empty(), temp,
        "image " + digest, () -> {
      Files.createDirectories(temp);
      transfer.unpack(image, temp.resolve("rootfs"), UnpackOptions.defaults().withPlatform(platform)
          .withPreserveOwnership(false).withOwnershipFile(temp.resolve("ownership.json")));
    });
  }

  /**
   * The root file system before a step: the last step's "after" snapshot when nothing has touched
   * the tree since (a build of several RUN steps walked every tree twice between two steps), else a
   * new walk. Forgotten here: the step about to run changes the tree.
   */
  private RootfsSnapshot snapshotBefore() throws IOException {
    RootfsSnapshot before = state.snapshot;
    state.snapshot = null;
    return before != null ? before : RootfsSnapshot.take(state.rootfs);
  }

  /**
   * Writes the step's changes as a layer and adds it to the stage; {@code walked} is the tree after
   * the step when the executor already walked it, else null.
   */
  private void layer(RootfsSnapshot before, RootfsSnapshot walked, OwnershipMap ownersBefore,
      Instant created, String createdBy, Digest key) throws IOException {
    RootfsSnapshot after = walked != null ? walked : RootfsSnapshot.take(state.rootfs);
    RootfsDiff.Result diff = RootfsDiff.between(before, after, ownersBefore,
        OwnershipMap.load(state.ownership), options.sourceDateEpoch());
    diff.notes().forEach(listener::info);
    ReproducibleLayer layer = ReproducibleLayer.builder().implicitParents(false)
        .hardlinksToLowerLayers(true).compressionLevel(options.compressionLevel()).addAll(diff.entries()).build();
    LayerResult result = StoredLayers.write(store, layer, createdBy);
    cache.put(key, result);
    state.chain = key;
    state.addLayer(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, result.digest(), result.size()),
        result.diffId(), created, createdBy);
    layersBuilt++;
    state.snapshot = after;
    listener.info("layer " + result.digest().shortHex() + " (" + diff.entries().size()
        + (diff.entries().size() == 1 ? " entry, " : " entries, ") + result.size() + " bytes)");
  }


  /**
   * Where COPY sources (and a bind mount's) come from; {@code cleanup} is a directory to delete
   * afterwards, {@code identity} what the cache key says of them (an earlier stage's key, an image's
   * digest), null to fingerprint their files, and {@code fill} what puts them on disk (null when
   * they are there).
   *
   * @param ownership the ownership map of {@code root} (an earlier stage, an unpacked image), null
   *     for the build context
   */
  record Sources(Path root, Path ownership, DockerIgnore ignore, Path cleanup, String identity,
      StageState.Filler fill) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (cleanup != null) {
        FileTrees.deleteTree(cleanup);
      }
    }
  }
}
