package dev.lading.maven;

import dev.lading.build.BuildResult;
import dev.lading.build.ContainerSettings;
import dev.lading.build.ImageBuilder;
import dev.lading.build.JavaImagePlan;
import dev.lading.build.dockerfile.BuildSecret;
import dev.lading.build.dockerfile.DockerfileBuild;
import dev.lading.build.dockerfile.DockerfileFroms;
import dev.lading.build.dockerfile.SshAgents;
import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.NetworkMode;
import dev.lading.exec.ExecutorChoice;
import dev.lading.io.ByteSize;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import dev.lading.store.GcReport;
import dev.lading.store.Store;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.Mirrors;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * {@code image:build}: builds the application image into the shared store under {@code to.image}
 * (and its tags) and writes {@code target/image.digest} and {@code target/image.id}. Base-image
 * layers are not downloaded. With a Dockerfile ({@code <dockerfile>}, or
 * {@code src/main/docker/Dockerfile} when it exists) the image is that Dockerfile's, RUN steps and
 * all, built without root or a daemon. With {@code <from><dockerfile>} the Dockerfile is built the same
 * way as the base, and the Java layers go on top of it.
 */
@Mojo(name = "build", defaultPhase = LifecyclePhase.PACKAGE,
    requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class BuildMojo extends AbstractImageMojo {
  /** The project context key that records the image built in this build. */
  private static final String BUILT = "dev.lading.built";

  /** The default Dockerfile, used when it exists and no {@code <dockerfile>} is set. */
  private static final String DEFAULT_DOCKERFILE = "src/main/docker/Dockerfile";

  /**
   * A Dockerfile to build instead of the Java layers (its RUN steps run unprivileged); default
   * {@code src/main/docker/Dockerfile} when that file exists and {@code <from><dockerfile>} is not set
   * (to put the Java layers on top of a Dockerfile's image, set that instead).
   */
  @Parameter(property = "image.dockerfile")
  protected File dockerfile;

  /** The Dockerfile's build context, where COPY and ADD take their files; default the project directory. */
  @Parameter(property = "image.contextDirectory")
  protected File contextDirectory;

  /**
   * The Dockerfile's build arguments ({@code --build-arg}); values may use Maven properties. They apply
   * to whichever Dockerfile is built: {@code <dockerfile>} or {@code <from><dockerfile>}.
   */
  @Parameter
  protected Map<String, String> buildArgs;

  /**
   * Secrets for the Dockerfile's {@code RUN --mount=type=secret,id=ID} steps, each an {@code <id>}
   * with a {@code <file>} or an {@code <env>} variable (as {@code docker build --secret}); they apply
   * to {@code <dockerfile>} and {@code <from><dockerfile>}. A secret the Dockerfile marks
   * {@code required} and that is not here fails the build.
   */
  @Parameter
  protected List<Secret> secrets;

  /**
   * ssh agents for the Dockerfile's {@code RUN --mount=type=ssh} steps, each written as
   * {@code docker build --ssh} takes it: {@code default} (the agent {@code SSH_AUTH_SOCK} names) or
   * {@code ID=SOCKET}. The step signs with the agent's keys through its socket and never reads them.
   */
  @Parameter(property = "image.sshAgents")
  protected List<String> sshAgents;

  /** The Dockerfile stage to build; default the last. */
  @Parameter(property = "image.dockerfileTarget")
  protected String dockerfileTarget;

  /** How a Dockerfile's RUN steps run: {@code auto} (default), {@code fakechroot} or {@code proot}. */
  @Parameter(property = "image.executor", defaultValue = "auto")
  protected String executor;

  /**
   * Where a Dockerfile's stages are unpacked and their RUN steps run; default {@code LADING_WORK_DIR}
   * when set, else the store. A tmpfs such as {@code /dev/shm} makes file-heavy RUN steps faster
   * when it has the room (bench/README.md, run-vs-buildah).
   */
  @Parameter(property = "image.workDirectory")
  protected String workDirectory;

  /**
   * The gzip level of the layers a Dockerfile's steps make: 1 is fastest, 9 smallest; default zlib's
   * 6, as Docker, buildah and Jib write layers (see {@code lading build --compression-level}).
   */
  @Parameter(property = "image.compressionLevel")
  protected Integer compressionLevel;

  /**
   * {@code none} keeps every RUN step of a Dockerfile off the network, as {@code RUN --network=none}
   * does one (see {@code lading build --network}); {@code default} (and {@code host}) leave it to each
   * step.
   */
  @Parameter(property = "image.network", defaultValue = "default")
  protected String network;

  /**
   * Caps the store after the build (e.g. {@code 5g}, binary units), as {@code lading store gc
   * --max-size} does: partial downloads, then the least recently used images go until it fits. For a
   * store kept in a CI cache with a size limit. Images used in the last 10 minutes, this build's
   * among them, always stay.
   */
  @Parameter(property = "image.storeMaxSize")
  protected String storeMaxSize;

  @Override
  protected String goal() {
    return "image:build";
  }

  @Override
  protected void run() throws IOException, MojoExecutionException, MojoFailureException {
    ImageReference target = buildIntoStore();
    if (storeMaxSize != null && !storeMaxSize.isBlank()) {
      capStore(ByteSize.parse(storeMaxSize.trim()));
    }
    if (!PushPlan.follows(session, project)) {
      // Jib's build goal pushed: whoever switched must not believe this one did.
      getLog().warn(logPrefix() + "built into the store as " + target + ", not pushed: no image:push in"
          + " this build (Jib's build goal pushed; add image:push to the command, or to the <goals> of the"
          + " execution that binds image:build)");
    }
  }

  private void capStore(long maxBytes) throws IOException {
    Store store = openStore();
    // Waits for other builds on this store to finish their writes (gc holds the store exclusively).
    GcReport report = store.gc(Store.DEFAULT_GC_GRACE, maxBytes);
    String mib = (report.sizeAfter() >> 20) + " MiB";
    if (report.overCap()) {
      getLog().warn(logPrefix() + "store " + store.root() + " holds " + mib + ", over <storeMaxSize> "
          + storeMaxSize + ": what is left was used in the last "
          + Store.DEFAULT_GC_GRACE.toMinutes() + " minutes; evicted " + report.evicted().size()
          + " images");
    } else if (!report.evicted().isEmpty() || !report.removed().isEmpty()) {
      getLog().info(logPrefix() + "store " + store.root() + " capped at " + storeMaxSize + ": " + mib
          + " after evicting " + report.evicted().size() + " least recently used images ("
          + String.join(", ", report.evicted()) + ")");
    }
  }

  /** Whether image:build (or another goal through it) built this project's image earlier in this build. */
  protected boolean builtInThisBuild() {
    return targetReference().toString().equals(project.getContextValue(BUILT));
  }

  /** Builds the image into the store and writes the digest, id and summary files; the image's name. */
  protected ImageReference buildIntoStore() throws IOException {
    Path file = dockerfile();
    return file != null ? buildDockerfile(file) : buildJavaLayers().target();
  }

  /**
   * The Dockerfile to build instead of the Java layers, if any: the configured one (which must exist),
   * else the default if present and {@code <from><dockerfile>} does not make a Dockerfile the base.
   */
  private Path dockerfile() {
    Path base = baseDockerfile();
    if (dockerfile != null) {
      if (base != null) {
        throw new IllegalArgumentException("<dockerfile> " + dockerfile + " and <from><dockerfile> " + base
            + " are both set: <dockerfile> builds the image from a Dockerfile alone, <from><dockerfile> builds"
            + " the Java image on top of one; remove one");
      }
      if (!dockerfile.isFile()) {
        throw new IllegalArgumentException("<dockerfile> " + dockerfile + " does not exist");
      }
      return dockerfile.toPath();
    }
    Path byDefault = project.getBasedir().toPath().resolve(DEFAULT_DOCKERFILE);
    return base == null && Files.isRegularFile(byDefault) ? byDefault : null;
  }

  private ImageReference buildDockerfile(Path file) throws IOException {
    long start = System.nanoTime();
    ImageReference target = targetReference();
    Store store = openStore();
    Path context = contextDirectory != null ? contextDirectory.toPath() : project.getBasedir().toPath();
    DockerfileBuild.Result result = runDockerfile(store, file, context, target, null);
    String digest = result.manifest().digest().toString();
    writeOutput(outputPath("digest", outputPaths.digest, "image.digest"), digest + "\n");
    writeOutput(outputPath("imageId", outputPaths.imageId, "image.id"), result.config() + "\n");
    writeImageJson(target, result.config().toString(), digest, false);
    project.setContextValue(BUILT, target.toString());
    getLog().info("image:build " + target + " " + digest + " (Dockerfile: " + result.layersBuilt()
        + " layers built, " + result.layersCached() + " from the step cache) into " + store.root() + " in "
        + seconds(start));
    return target;
  }

  /**
   * Runs a Dockerfile build into {@code store}, naming the image {@code name}, with the shared Dockerfile
   * settings ({@code <buildArgs>}, {@code <dockerfileTarget>}, {@code <executor>}, SOURCE_DATE_EPOCH).
   * Offline (-o), FROM images must be in the store already (image:seed puts them there).
   */
  private DockerfileBuild.Result runDockerfile(Store store, Path file, Path context, ImageReference name,
      Platform platform) throws IOException {
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    // The FROM images' registries too, so that allowInsecureRegistries covers them.
    List<ImageReference> registries = new ArrayList<>(List.of(targetReference()));
    try {
      registries.addAll(DockerfileFroms.of(file, buildArgs).keySet());
    } catch (IllegalArgumentException e) {
      // The build itself reports what is wrong with the Dockerfile, with its line.
    }
    ImageTransfer transfer = transfer(store, progress, registries, PushMojo.transferListener(progress));
    String epoch = System.getenv("SOURCE_DATE_EPOCH");
    getLog().info(logPrefix() + "building " + project.getBasedir().toPath().relativize(file.toAbsolutePath())
        + " (context " + context + ")");
    return new DockerfileBuild(store, transfer, new DockerfileBuild.Listener() {
      @Override
      public void info(String line) {
        getLog().info(logPrefix() + line);
      }

      @Override
      public void output(String line) {
        getLog().info(logPrefix() + "  " + line);
      }

      @Override
      public void warn(String line) {
        getLog().warn(logPrefix() + line);
      }
    }).build(new DockerfileBuild.Options(context.toAbsolutePath(), Dockerfile.read(file),
        buildArgs == null ? Map.of() : buildArgs, dockerfileTarget, platform,
        ExecutorChoice.Kind.parse(executor),
        epoch == null || epoch.isBlank() ? null : Instant.ofEpochSecond(Long.parseLong(epoch.trim())),
        List.of(name.toString()), false, workDirectory()).withSecrets(secrets())
        // Each <sshAgent> must name an agent's socket now.
        .withSshAgents(SshAgents.parseAll(sshAgents == null ? List.of()
            : sshAgents.stream().map(String::strip).toList(), System::getenv, "<sshAgent>"))
        .withCompressionLevel(compressionLevel == null ? DockerfileBuild.DEFAULT_COMPRESSION : compressionLevel)
        .withNetwork(!NetworkMode.isNone(network == null ? "default" : network.strip(),
            "<network>" + network + "</network>")));
  }

  /** The {@code <secrets>}, read now; a missing file or variable is named. */
  private Map<String, BuildSecret> secrets() {
    Map<String, BuildSecret> out = new java.util.LinkedHashMap<>();
    for (Secret secret : secrets == null ? List.<Secret>of() : secrets) {
      if (secret.id == null || secret.id.isBlank() || (secret.file == null) == (secret.env == null)) {
        throw new IllegalArgumentException("<secrets><secret> needs an <id> and either a <file> or an <env>");
      }
      if (secret.file != null) {
        if (!secret.file.isFile()) {
          throw new IllegalArgumentException("<secret> " + secret.id + ": no file " + secret.file);
        }
        out.put(secret.id, BuildSecret.file(secret.file.toPath().toAbsolutePath()));
      } else {
        String value = System.getenv(secret.env);
        if (value == null) {
          throw new IllegalArgumentException("<secret> " + secret.id + ": the environment variable "
              + secret.env + " is not set");
        }
        out.put(secret.id, BuildSecret.value(value));
      }
    }
    return out;
  }

  private Path workDirectory() {
    String dir = workDirectory != null && !workDirectory.isBlank() ? workDirectory : System.getenv("LADING_WORK_DIR");
    return dir == null || dir.isBlank() ? null : Path.of(dir.trim());
  }

  /**
   * The plan on the image {@code <from><dockerfile>} builds, built now into the store under
   * {@link #dockerfileBaseReference()} (its step cache makes a rebuild fast), pinned to that build's
   * digest so that a concurrent build renaming the base cannot change what this one builds on.
   */
  private JavaImagePlan onDockerfileBase(JavaImagePlan plan, Store store, Path file) throws IOException {
    long start = System.nanoTime();
    if (plan.platforms().size() > 1) {
      throw new IllegalArgumentException("<from><dockerfile> builds the base for one platform, and "
          + plan.platforms().size() + " are configured (<from><platforms>); keep one");
    }
    Path context = from.contextDirectory == null ? project.getBasedir().toPath()
        : project.getBasedir().toPath().resolve(from.contextDirectory.toPath());
    DockerfileBuild.Result result = runDockerfile(store, file, context, plan.base(),
        plan.platforms().isEmpty() ? null : plan.platforms().get(0));
    getLog().info(logPrefix() + "base image " + plan.base() + " " + result.manifest().digest() + " built from "
        + project.getBasedir().toPath().relativize(file) + " (layers: " + result.layersBuilt() + " built, "
        + result.layersCached() + " from the step cache) in " + seconds(start));
    return plan.onStoredBase(plan.base().withDigest(result.manifest().digest()));
  }

  private JavaImagePlan buildJavaLayers() throws IOException {
    long start = System.nanoTime();
    JavaImagePlan plan = plan();
    Path baseDockerfile = baseDockerfile();
    ContainerSettings c = plan.container();
    // What will run, as Jib prints it: the first thing to check when a container does not start.
    String command = c.inheritsEntrypoint() ? "the base image's"
        : String.join(" ", c.entrypoint() != null ? c.entrypoint() : c.defaultEntrypoint(c.mainClass()));
    getLog().info(logPrefix() + "entrypoint: " + command);
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    Store store = openStore();
    if (baseDockerfile != null) {
      plan = onDockerfileBase(plan, store, baseDockerfile);
    }
    ImageBuilder builder = new ImageBuilder(store,
        client(progress, List.of(plan.base(), plan.target())), new Mirrors(mirrorHosts()), progress);
    BuildResult result = builder.build(plan);
    writeOutput(outputPath("digest", outputPaths.digest, "image.digest"), result.imageDigest() + "\n");
    writeOutput(outputPath("imageId", outputPaths.imageId, "image.id"), result.configDigest() + "\n");
    writeImageJson(plan.target(), result.configDigest().toString(), result.imageDigest().toString(), false);
    project.setContextValue(BUILT, plan.target().toString());
    long built = result.layers().stream().filter(l -> !l.cached()).count();
    List<String> names = new ArrayList<>();
    plan.allTargets().forEach(r -> names.add(r.toString()));
    getLog().info("image:build " + String.join(", ", names) + " " + result.imageDigest() + " ("
        + result.layers().size() + " app layers: " + built + " built, " + (result.layers().size() - built)
        + " unchanged) into " + store.root() + " in " + seconds(start));
    return plan;
  }
}
