package dev.lading.exec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Ends a step as a container ends: when the step's first process exits, with that process's exit
 * status, and with whatever it left running killed (a daemon it started, a {@code &} job), as the
 * kernel kills the rest of a PID namespace whose first process exits. Without it, a build waits for
 * such leftovers (they hold the output pipe, and proot waits for all its processes), and proot's
 * own exit status is that of whichever process exited last: {@code RUN sleep 5 & exit 3} succeeded
 * after 5 s, and a step that started {@code ssh-agent} and stopped it failed with the agent's
 * status 2 when the agent happened to exit after the shell.
 *
 * <p>The init is a short perl script ({@code step-init.pl}; perl-base is in every Debian and Ubuntu
 * system) that makes itself the subreaper of the step's processes, so that none escapes by forking
 * twice, and sweeps them with SIGKILL. With proot, the step's first process is not the init's child
 * but proot's: the image's shell runs the command and reports its status on file descriptor 3
 * ({@link #reportingShell}). Without perl the command runs as it is (and the old behaviour stays).
 */
final class StepInit {
  /** Enters the working directory, runs the command without fd 3 and reports its status there. */
  private static final String REPORT = "{ " + CommandLine.ENTER + " && \"$@\" 3>&-; }; echo $? >&3";

  /** {@code perl -e SCRIPT -- PRCTL_NR}, found once: every RUN step starts with it. */
  private static volatile Optional<List<String>> words;

  private StepInit() {}

  private static Optional<List<String>> words() {
    Optional<List<String>> known = words;
    if (known == null) {
      Optional<Path> perl = HostTools.find("perl");
      OptionalInt prctl = SyscallFilter.prctlNumber();
      known = perl.isEmpty() || prctl.isEmpty() ? Optional.empty()
          : Optional.of(List.of(perl.get().toString(), "-e", HostTools.script("step-init.pl"), "--",
              Integer.toString(prctl.getAsInt())));
      words = known;
    }
    return known;
  }

  /** Whether steps run behind the init here. */
  static boolean available() {
    return words().isPresent();
  }

  /**
   * {@code command} behind the init, its first process's status the step's; unchanged without perl.
   * {@code env}, the environment it is to run with, changes for the init (see {@link #keepAside}).
   */
  static List<String> wrap(List<String> command, Map<String, String> env) {
    return wrap(command, env, "child");
  }

  /**
   * {@code command} (proot running {@link #reportingShell}) behind the init, which takes the step's
   * status from the report; unchanged without perl.
   */
  static List<String> wrapReported(List<String> command, Map<String, String> env) {
    return wrap(command, env, "fd3");
  }

  private static List<String> wrap(List<String> command, Map<String, String> env, String mode) {
    if (!available()) {
      return command;
    }
    keepAside(env);
    List<String> wrapped = new ArrayList<>(words().get());
    wrapped.add(mode);
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Renames the loader's variables (LD_PRELOAD, LD_LIBRARY_PATH: fakechroot with an image release's
   * libraries sets them for the step) out of the loader's sight, for the init to put back in the
   * command's environment: the host's perl, loaded with the image's libraries, would not start.
   */
  private static void keepAside(Map<String, String> env) {
    for (String name : List.copyOf(env.keySet())) {
      if (name.startsWith("LD_")) {
        env.put(KEPT + name, env.remove(name));
      }
    }
  }

  /** The prefix the init takes off again; step-init.pl names it too. */
  private static final String KEPT = "LADING_INIT_KEPT_";

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
