package dev.lading.maven;

import dev.lading.build.BuildResult;
import dev.lading.build.ContainerSettings;
import dev.lading.build.ImageBuilder;
import dev.lading.build.JavaImagePlan;
import dev.lading.build.dockerfile.DockerfileBuild;
import dev.lading.exec.ExecutorChoice;
import dev.lading.model.ImageReference;
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
 * all, built without root or a daemon.
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
   * {@code src/main/docker/Dockerfile} when that file exists.
   */
  @Parameter(property = "image.dockerfile")
  protected File dockerfile;

  /** The Dockerfile's build context, where COPY and ADD take their files; default the project directory. */
  @Parameter(property = "image.contextDirectory")
  protected File contextDirectory;

  /** The Dockerfile's build arguments ({@code --build-arg}); values may use Maven properties. */
  @Parameter
  protected Map<String, String> buildArgs;

  /** The Dockerfile stage to build; default the last. */
  @Parameter(property = "image.dockerfileTarget")
  protected String dockerfileTarget;

  /** How a Dockerfile's RUN steps run: {@code auto} (default), {@code fakechroot} or {@code proot}. */
  @Parameter(property = "image.executor", defaultValue = "auto")
  protected String executor;

  @Override
  protected String goal() {
    return "image:build";
  }

  @Override
  protected void run() throws IOException, MojoExecutionException, MojoFailureException {
    ImageReference target = buildIntoStore();
    if (!PushPlan.follows(session, project)) {
      // Jib's build goal pushed: whoever switched must not believe this one did.
      getLog().warn(logPrefix() + "built into the store as " + target + ", not pushed: no image:push in"
          + " this build (Jib's build goal pushed; add image:push to the command, or to the <goals> of the"
          + " execution that binds image:build)");
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

  /** The Dockerfile to build, if any: the configured one (which must exist), else the default if present. */
  private Path dockerfile() {
    if (dockerfile != null) {
      if (!dockerfile.isFile()) {
        throw new IllegalArgumentException("<dockerfile> " + dockerfile + " does not exist");
      }
      return dockerfile.toPath();
    }
    Path byDefault = project.getBasedir().toPath().resolve(DEFAULT_DOCKERFILE);
    return Files.isRegularFile(byDefault) ? byDefault : null;
  }

  private ImageReference buildDockerfile(Path file) throws IOException {
    long start = System.nanoTime();
    ImageReference target = targetReference();
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    Store store = openStore();
    // Offline (-o), FROM images must be in the store already.
    ImageTransfer transfer = transfer(store, progress, List.of(target), PushMojo.transferListener(progress));
    Path context = contextDirectory != null ? contextDirectory.toPath() : project.getBasedir().toPath();
    String epoch = System.getenv("SOURCE_DATE_EPOCH");
    getLog().info(logPrefix() + "building " + project.getBasedir().toPath().relativize(file.toAbsolutePath())
        + " (context " + context + ")");
    DockerfileBuild.Result result = new DockerfileBuild(store, transfer, new DockerfileBuild.Listener() {
      @Override
      public void info(String line) {
        getLog().info(logPrefix() + line);
      }

      @Override
      public void output(String line) {
        getLog().info(logPrefix() + "  " + line);
      }
    }).build(new DockerfileBuild.Options(context.toAbsolutePath(), Files.readString(file),
        buildArgs == null ? Map.of() : buildArgs, dockerfileTarget, null,
        ExecutorChoice.Kind.parse(executor),
        epoch == null || epoch.isBlank() ? null : Instant.ofEpochSecond(Long.parseLong(epoch.trim())),
        List.of(target.toString()), false));
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

  private JavaImagePlan buildJavaLayers() throws IOException {
    long start = System.nanoTime();
    JavaImagePlan plan = plan();
    ContainerSettings c = plan.container();
    // What will run, as Jib prints it: the first thing to check when a container does not start.
    String command = c.inheritsEntrypoint() ? "the base image's"
        : String.join(" ", c.entrypoint() != null ? c.entrypoint() : c.defaultEntrypoint(c.mainClass()));
    getLog().info(logPrefix() + "entrypoint: " + command);
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    Store store = openStore();
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
