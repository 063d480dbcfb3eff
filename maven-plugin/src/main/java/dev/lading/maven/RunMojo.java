package dev.lading.maven;

import dev.lading.exec.ExecutorChoice;
import dev.lading.exec.ImageRunner;
import dev.lading.model.ImageReference;
import dev.lading.store.OwnedTempDirectory;
import dev.lading.store.Store;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.StoreLocation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * {@code image:run}: runs the image built into the store (its entrypoint and cmd, or {@code <command>})
 * without root or a daemon, as a smoke test in the build, and fails the build when it exits non-zero.
 */
@Mojo(name = "run", defaultPhase = LifecyclePhase.INTEGRATION_TEST, threadSafe = true)
public class RunMojo extends AbstractImageMojo {
  /** Replaces the image's cmd (its entrypoint stays), e.g. {@code -Dimage.run.command=sh,-c,'id'}. */
  @Parameter(property = "image.run.command")
  protected List<String> command;

  /** Environment variables added to the image's for the run. */
  @Parameter
  protected Map<String, String> runEnvironment;

  /** How to run: {@code auto} (default), {@code fakechroot} or {@code proot}. */
  @Parameter(property = "image.executor", defaultValue = "auto")
  protected String executor;

  @Override
  protected String goal() {
    return "image:run";
  }

  @Override
  protected void run() throws IOException, MojoFailureException {
    ImageReference target = targetReference();
    Store store = openStore();
    if (store.ref(target.toString()).isEmpty()) {
      throw new MojoFailureException("image " + target + " is not in the store " + store.root()
          + "; run image:build first (e.g. mvn package image:build image:run)");
    }
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    ImageTransfer transfer = transfer(store, progress, List.of(target), PushMojo.transferListener(progress));
    List<String> env = new ArrayList<>();
    if (runEnvironment != null) {
      runEnvironment.forEach((k, v) -> env.add(k + "=" + v));
    }
    ImageRunner.Options options = new ImageRunner.Options(ExecutorChoice.Kind.parse(executor), null,
        command, env, null, null, null);
    int exit;
    // Owned: what a killed run leaves here goes with the next build (OwnedTempDirectory), which first
    // moves back any cache a killed build had in its root; a run does not sweep.
    try (OwnedTempDirectory work = store.workAreas().newOwnedTempDirectory("run-")) {
      exit = new ImageRunner(transfer, line -> getLog().info(logPrefix() + line))
          .run(StoreLocation.of(target), options, work.path(), line -> getLog().info(logPrefix() + "  " + line));
    }
    if (exit != 0) {
      throw new MojoFailureException("image:run: " + target + " exited with " + exit
          + " (its output is above)");
    }
    getLog().info("image:run " + target + " exited with 0");
  }
}
