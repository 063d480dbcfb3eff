package dev.lading.exec;

import dev.lading.layer.RootfsSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One command to run inside a root file system, as a container would run it.
 *
 * @param rootfs the unpacked root file system
 * @param argv the program and its arguments (a shell-form RUN is {@code ["/bin/sh", "-c", "..."]})
 * @param env the environment inside, as {@code NAME=value} entries (the image's Env plus the step's)
 * @param workdir the working directory inside the root, absolute; created when missing
 * @param user the user to run as, {@code name|uid[:group|gid]}; empty for root
 * @param ownershipFile the image's intended owners and modes ({@link dev.lading.layer.OwnershipMap}),
 *     read before and updated after the command; null when the tree's owners are real (root)
 * @param binds host directories the command sees at paths of the root ({@code RUN --mount=type=cache});
 *     only an executor that can bind ({@link RootfsExecutor#binds()}) takes them
 * @param current the root file system walked after its last change, when the caller has that walk;
 *     null if not. Spares the executor a stat of every path (fakeroot's state is keyed by inode)
 * @param network whether the command may make IPv4 and IPv6 sockets ({@code RUN --network=none}: no,
 *     see {@link StepInit})
 */
public record RunSpec(Path rootfs, List<String> argv, List<String> env, String workdir, String user,
    Path ownershipFile, List<Bind> binds, RootfsSnapshot current, boolean network) {
  /** PATH when the image sets none, as Docker's default. */
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  public RunSpec {
    Objects.requireNonNull(rootfs, "rootfs");
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("nothing to run: the command is empty and the image has no"
          + " entrypoint or cmd");
    }
    env = List.copyOf(env);
    workdir = workdir == null || workdir.isBlank() ? "/" : workdir;
    if (!workdir.startsWith("/")) {
      throw new IllegalArgumentException("working directory '" + workdir + "' must be absolute");
    }
    user = user == null ? "" : user;
    binds = binds == null ? List.of() : List.copyOf(binds);
  }

  /** A command with the network. */
  public RunSpec(Path rootfs, List<String> argv, List<String> env, String workdir, String user,
      Path ownershipFile, List<Bind> binds, RootfsSnapshot current) {
    this(rootfs, argv, env, workdir, user, ownershipFile, binds, current, true);
  }

  /** A command with binds, and no walk of the tree. */
  public RunSpec(Path rootfs, List<String> argv, List<String> env, String workdir, String user,
      Path ownershipFile, List<Bind> binds) {
    this(rootfs, argv, env, workdir, user, ownershipFile, binds, null, true);
  }

  /** A command with no binds. */
  public RunSpec(Path rootfs, List<String> argv, List<String> env, String workdir, String user,
      Path ownershipFile) {
    this(rootfs, argv, env, workdir, user, ownershipFile, List.of(), null, true);
  }

  /** This command without IPv4 and IPv6 sockets, or with them. */
  public RunSpec withNetwork(boolean network) {
    return new RunSpec(rootfs, argv, env, workdir, user, ownershipFile, binds, current, network);
  }

  /**
   * A host directory seen inside the root at {@code target} while the command runs: what the command
   * writes there goes to {@code source}, and the root's own {@code target} stays as it was.
   *
   * @param source the host directory
   * @param target the absolute path inside the root, symlinks already resolved; it exists in the root
   */
  public record Bind(Path source, String target) {
    public Bind {
      Objects.requireNonNull(source, "source");
      if (!target.startsWith("/")) {
        throw new IllegalArgumentException("bind target '" + target + "' must be absolute");
      }
    }
  }

  /** The environment as a map, with PATH defaulted; later entries win, as in Docker. */
  public Map<String, String> environment() {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    map.put("PATH", DEFAULT_PATH);
    for (String entry : env) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        map.put(entry.substring(0, eq), entry.substring(eq + 1));
      } else if (eq < 0 && !entry.isEmpty()) {
        map.put(entry, "");
      }
    }
    return map;
  }
}
