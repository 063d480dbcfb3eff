package dev.lading.build.dockerfile;

import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.Instruction;
import dev.lading.dockerfile.Stage;
import dev.lading.exec.Mounts;
import dev.lading.layer.OwnershipMap;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.Platform;
import dev.lading.store.Store;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.InspectResult;
import dev.lading.transfer.UnpackOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a stage starts, its FROM: an earlier stage (copied when a step needs its files),
 * {@code scratch}, or an image, unpacked only when a step must run, so that a rebuild whose steps
 * are all cached unpacks nothing.
 */
final class StageBases {
  private final Store store;
  private final ImageTransfer transfer;
  private final Dockerfile dockerfile;
  private final Map<Integer, StageState> built;

  StageBases(Store store, ImageTransfer transfer, Dockerfile dockerfile, Map<Integer, StageState> built) {
    this.store = store;
    this.transfer = transfer;
    this.dockerfile = dockerfile;
    this.built = built;
  }

  /** The stage's state right after its FROM, with its root file system in {@code dir}. */
  StageState start(Stage stage, Instruction.From from, Platform platform, Path dir) throws IOException {
    Platform wanted = from.platform().map(Platform::parse).orElse(platform);
    Optional<Stage> earlier = dockerfile.baseStage(stage.index(), from.image());
    if (earlier.isPresent()) {
      StageState parent = built.get(earlier.get().index());
      StageState copy = new StageState(dir, parent.config, List.of());
      copy.layers.addAll(parent.layers);
      copy.shell = parent.shell;
      copy.chain = parent.chain;
      copy.base = () -> {
        parent.materialize(store);
        TreeCopy.copy(parent.rootfs, copy.rootfs);
        Files.copy(parent.ownership, copy.ownership, StandardCopyOption.REPLACE_EXISTING);
      };
      return copy;
    }
    if (from.image().equalsIgnoreCase("scratch")) {
      StageState scratch = StageState.scratch(dir, wanted);
      scratch.chain = DockerfileBuild.key(null, "FROM scratch", wanted.toString());
      return scratch;
    }
    ImageLocation location = DockerfileBuild.imageLocation(store, from.image());
    InspectResult inspected = transfer.inspect(location, wanted);
    ImageConfig config = inspected.imageConfig();
    StageState base = new StageState(dir, config, inspected.imageManifest().layers());
    base.chain = DockerfileBuild.key(null, "FROM", inspected.image().digest().toString());
    // Unpacked only when a step must run: a rebuild whose steps are all cached never unpacks.
    base.base = () -> {
      transfer.unpack(location, base.rootfs, UnpackOptions.defaults().withPlatform(wanted)
          .withPreserveOwnership(false).withOwnershipFile(base.ownership).withAllowNonEmptyTarget(true)
          .withLayersIntoStore(true));
      if (!Files.exists(base.ownership)) {
        OwnershipMap.empty().saveTemporary(base.ownership);
      }
    };
    // The base's layers go into the image whether or not it is unpacked.
    for (Descriptor layer : inspected.imageManifest().layers()) {
      if (!store.has(layer.digest())) {
        refuseNoexecBeforeUnpacking(stage, base);
        base.base.fill();
        base.base = null;
        break;
      }
    }
    return base;
  }

  /**
   * A stage with RUN steps whose root would be on a noexec file system fails before its base is
   * pulled and unpacked into it, not at its first RUN, minutes later.
   */
  private static void refuseNoexecBeforeUnpacking(Stage stage, StageState base) throws IOException {
    Optional<Instruction> run = stage.instructions().stream()
        .filter(Instruction.Run.class::isInstance).findFirst();
    if (run.isPresent()) {
      try {
        Mounts.requireExec(base.rootfs);
      } catch (IOException e) {
        throw new BuildException("line " + run.get().location().line() + ": RUN cannot run: "
            + e.getMessage(), e);
      }
    }
  }
}
