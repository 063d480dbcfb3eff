package dev.lading.maven;

import dev.lading.build.BuildResult;
import dev.lading.build.ContainerSettings;
import dev.lading.build.ImageBuilder;
import dev.lading.build.JavaImagePlan;
import dev.lading.store.Store;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * {@code image:build}: builds the application image into the shared store under {@code to.image}
 * (and its tags) and writes {@code target/image.digest} and {@code target/image.id}. Base-image
 * layers are not downloaded.
 */
@Mojo(name = "build", defaultPhase = LifecyclePhase.PACKAGE,
    requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class BuildMojo extends AbstractImageMojo {
  /** The project context key that records the image built in this build. */
  private static final String BUILT = "dev.lading.built";

  @Override
  protected String goal() {
    return "image:build";
  }

  @Override
  protected void run() throws IOException, MojoExecutionException, MojoFailureException {
    JavaImagePlan plan = buildIntoStore();
    if (!PushPlan.follows(session, project)) {
      // Jib's build goal pushed: whoever switched must not believe this one did.
      getLog().warn(logPrefix() + "built into the store as " + plan.target() + ", not pushed: no image:push in"
          + " this build (Jib's build goal pushed; add image:push to the command, or to the <goals> of the"
          + " execution that binds image:build)");
    }
  }

  /** Whether image:build (or another goal through it) built this project's image earlier in this build. */
  protected boolean builtInThisBuild() {
    return targetReference().toString().equals(project.getContextValue(BUILT));
  }

  /** Builds the image into the store and writes the digest, id and summary files; the plan it built. */
  protected JavaImagePlan buildIntoStore() throws IOException {
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
