package dev.lading.exec;

import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.util.function.Consumer;

/** Runs commands inside a root file system without privileges (no root, no daemon, no namespaces). */
public interface RootfsExecutor {
  /** The executor's name as users choose it ({@code fakechroot}, {@code proot}). */
  String name();

  /**
   * Whether it can show a host directory inside the root ({@link RunSpec#binds()}); when not, the
   * caller moves the directory into the root for the command and back afterwards.
   */
  default boolean binds() {
    return false;
  }

  /**
   * Whether the kernel, not the executor, follows the symlinks in the commands' paths (fakechroot):
   * an absolute link target would then name a host file, so callers give the root's absolute
   * links its host path first ({@link HostRootedLinks}). proot resolves them inside the root itself.
   */
  default boolean followsLinksOnTheHost() {
    return false;
  }

  /**
   * Runs {@code spec} to its end, passing each line it prints (stdout and stderr, in order) to
   * {@code output}, and returns its exit code.
   *
   * @throws ExecutorException when the executor itself cannot run (a tool is missing, the root is
   *     not usable), as opposed to the command failing
   */
  default int run(RunSpec spec, Consumer<String> output) throws IOException {
    return run(spec, output, after -> {});
  }

  /**
   * {@link #run(RunSpec, Consumer)}, also handing {@code after} the tree as the command left it when
   * the executor walked it anyway (to update {@link RunSpec#ownershipFile()}), so that a caller who
   * needs that snapshot does not walk the tree a second time. Not called when nothing was walked.
   */
  int run(RunSpec spec, Consumer<String> output, Consumer<RootfsSnapshot> after) throws IOException;
}
