package dev.lading.exec;

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
   * Runs {@code spec} to its end, passing each line it prints (stdout and stderr, in order) to
   * {@code output}, and returns its exit code.
   *
   * @throws ExecutorException when the executor itself cannot run (a tool is missing, the root is
   *     not usable), as opposed to the command failing
   */
  int run(RunSpec spec, Consumer<String> output) throws IOException;
}
