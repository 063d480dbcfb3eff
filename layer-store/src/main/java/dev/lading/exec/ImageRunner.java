package dev.lading.exec;

import dev.lading.layer.RootfsSnapshot;
import dev.lading.model.ImageConfig;
import dev.lading.model.Platform;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.UnpackOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs a command in an image, unprivileged, the way {@code docker run} would start it (entrypoint,
 * cmd, env, working directory, user from the image's config, each overridable), for smoke tests of
 * a built image: the image is unpacked into a private work directory and run by an executor.
 */
public final class ImageRunner {
  private final ImageTransfer transfer;
  private final Consumer<String> log;

  /** A runner that unpacks through {@code transfer} and tells what it chose on {@code log}. */
  public ImageRunner(ImageTransfer transfer, Consumer<String> log) {
    this.transfer = Objects.requireNonNull(transfer, "transfer");
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * What to change from the image's config.
   *
   * @param executor which executor (auto picks by the image's C library)
   * @param entrypoint replaces the image's entrypoint when not null (empty: none)
   * @param command replaces the image's cmd when not empty
   * @param env {@code NAME=value} entries added to the image's
   * @param workdir replaces the image's working directory when not null
   * @param user replaces the image's user when not null
   * @param platform the image to pick from an index; null for this machine's
   * @param network false to run the command without IPv4 and IPv6 sockets ({@code --network none})
   */
  public record Options(ExecutorChoice.Kind executor, List<String> entrypoint, List<String> command,
      List<String> env, String workdir, String user, Platform platform, boolean network) {
    /** Options with the network. */
    public Options(ExecutorChoice.Kind executor, List<String> entrypoint, List<String> command,
        List<String> env, String workdir, String user, Platform platform) {
      this(executor, entrypoint, command, env, workdir, user, platform, true);
    }

    /** These options without the network ({@code false}), or with it. */
    public Options withNetwork(boolean network) {
      return new Options(executor, entrypoint, command, env, workdir, user, platform, network);
    }

    public Options {
      Objects.requireNonNull(executor, "executor");
      entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
      command = command == null ? List.of() : List.copyOf(command);
      env = env == null ? List.of() : List.copyOf(env);
    }
  }

  /**
   * Unpacks {@code image} into {@code workDir} (which must be empty or missing, and which the caller
   * deletes afterwards), runs it and returns the command's exit code; its output goes to {@code output}.
   */
  public int run(ImageLocation image, Options options, Path workDir, Consumer<String> output)
      throws IOException {
    ImageConfig config = transfer.inspect(image, options.platform()).imageConfig();
    ImageConfig.RunConfig run = config.configOrEmpty();
    Path rootfs = workDir.resolve("rootfs");
    Path ownership = workDir.resolve("ownership.json");
    // Always unpacked as an unprivileged user would, root or not: the executors fake root from the
    // ownership map, and a fakeroot that finds real owners on disk would show them as root.
    transfer.unpack(image, rootfs, UnpackOptions.defaults().withPlatform(options.platform())
        .withPreserveOwnership(false).withOwnershipFile(ownership));
    List<String> argv = new ArrayList<>(options.entrypoint() != null ? options.entrypoint()
        : orEmpty(run.entrypoint()));
    argv.addAll(!options.command().isEmpty() ? options.command() : orEmpty(run.cmd()));
    List<String> env = new ArrayList<>(orEmpty(run.env()));
    env.addAll(options.env());
    // An image for another machine runs under proot with qemu, as its RUN steps were built.
    ExecutorChoice choice = ExecutorChoice.choose(options.executor(), rootfs, config.platform(),
        transfer.store().workAreas().cacheDirectory(ExecutorChoice.LIBRARIES_CACHE));
    log.accept("executor: " + choice.reason());
    // The walk that finds the links is also the one the executor would make (fakeroot's state).
    RootfsSnapshot tree = choice.executor().followsLinksOnTheHost()
        ? HostRootedLinks.root(RootfsSnapshot.take(rootfs)) : null;
    RunSpec spec = new RunSpec(rootfs, argv, env,
        options.workdir() != null ? options.workdir() : run.workingDir(),
        options.user() != null ? options.user() : run.user(), ownership, List.of(), tree, options.network());
    return choice.executor().run(spec, output);
  }

  private static List<String> orEmpty(List<String> list) {
    return list == null ? List.of() : list;
  }
}
