package dev.lading.exec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Ends a step as a container ends: when the step's first process exits, with that process's exit
 * status, and with whatever it left running killed (a daemon it started, a {@code &} job), as the
 * kernel kills the rest of a PID namespace whose first process exits. Without it, a build waits for
 * such leftovers (they hold the output pipe, and proot waits for all its processes), and proot's
 * own exit status is that of whichever process exited last: {@code RUN sleep 5 & exit 3} succeeded
 * after 5 s, and a step that started {@code ssh-agent} and stopped it failed with the agent's
 * status 2 when the agent happened to exit after the shell.
 *
 * <p>The init is {@link StepHelper}, a static program of Lading's own, which makes itself the
 * subreaper of the step's processes, so that none escapes by forking twice, and sweeps them with
 * SIGKILL. With proot, the step's first process is not the init's child but proot's: the image's
 * shell runs the command and reports its status on file descriptor 3 ({@link #reportingShell}).
 * Without the helper (a Lading built without it for this machine) the command runs as it is.
 */
final class StepInit {
  /** Enters the working directory, runs the command without fd 3 and reports its status there. */
  private static final String REPORT = "{ " + CommandLine.ENTER + " && \"$@\" 3>&-; }; echo $? >&3";

  private StepInit() {}

  /** Whether steps run behind the init here. */
  static boolean available() {
    return StepHelper.program().isPresent();
  }

  /**
   * {@code command} behind the init, its first process's status the step's; unchanged without it.
   * The init is written in {@code dir} ({@link StepHelper#installIn}); being static, it ignores the
   * loader's variables (fakechroot with an image release's libraries sets them), which reach the
   * command. Without {@code network}, the command cannot make IPv4 or IPv6 sockets.
   *
   * @throws ExecutorException when the command must go without the network and there is no init
   */
  static List<String> wrap(List<String> command, Path dir, boolean network) throws IOException {
    return wrap(command, dir, "child", network);
  }

  /**
   * {@code command} (proot running {@link #reportingShell}) behind the init, which takes the step's
   * status from the report; unchanged without it.
   */
  static List<String> wrapReported(List<String> command, Path dir, boolean network) throws IOException {
    return wrap(command, dir, "fd3", network);
  }

  private static List<String> wrap(List<String> command, Path dir, String mode, boolean network)
      throws IOException {
    Optional<Path> helper = StepHelper.installIn(dir);
    if (helper.isEmpty()) {
      if (!network) {
        throw new ExecutorException("RUN --network=none needs Lading's step helper, which keeps the step"
            + " off the network, and " + StepHelper.missing() + "; remove the flag to run the step with"
            + " the network");
      }
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of(helper.get().toString(), "--init", mode));
    if (!network) {
      wrapped.add("--no-network");
    }
    wrapped.add("--");
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * The command inside the root behind the image's {@code /bin/sh}, which enters the working
   * directory and reports the command's status to {@link #wrapReported}.
   */
  static List<String> reportingShell(RunSpec spec) {
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", REPORT, "lading", spec.workdir()));
    command.addAll(spec.argv());
    return command;
  }
}
