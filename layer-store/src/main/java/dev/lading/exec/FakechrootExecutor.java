package dev.lading.exec;

import dev.lading.io.FileTrees;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.RootPaths;
import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * {@code fakechroot fakeroot chroot ROOTFS ...}: the image's programs run with the host's
 * libfakechroot (paths seen from the root) and libfakeroot (root's owners, chown and mknod recorded,
 * not done) preloaded. Fast, and what a step chowns carries into later steps through the ownership
 * map. The host's libraries work only when the image's glibc is the host's (see
 * {@link ExecutorChoice}); for an older glibc the image release's own are run by the image's loader
 * ({@link ImageLibraries}).
 */
public final class FakechrootExecutor implements RootfsExecutor {
  /** Where a step finds ldconfig: the PATH directories of Debian and its derivatives. */
  private static final List<String> LDCONFIG_PATHS = List.of("/usr/local/sbin/ldconfig",
      "/usr/local/bin/ldconfig", "/usr/sbin/ldconfig", "/usr/bin/ldconfig", "/sbin/ldconfig", "/bin/ldconfig");

  private final ImageLibraries imageLibraries;

  /** With the host's fakechroot and fakeroot: for images of the host's glibc. */
  public FakechrootExecutor() {
    this(null);
  }

  /**
   * With the image release's own libfakechroot, libfakeroot and faked, run by the image's loader
   * (see {@link ImageLibraries}); null for the host's.
   */
  public FakechrootExecutor(ImageLibraries imageLibraries) {
    this.imageLibraries = imageLibraries;
  }

  /**
   * What the executor cannot do on this host, for the log line that names it ("; ..."), else "":
   * the stand-in for ldconfig runs the image's own under proot (see {@link #hostLdconfig}).
   */
  static String caveats() {
    return HostTools.find("proot").isPresent() ? "" : "; ldconfig does nothing in RUN steps, so the"
        + " image's /etc/ld.so.cache is not refreshed: apt-get install proot";
  }

  @Override
  public String name() {
    return "fakechroot";
  }

  @Override
  public boolean followsLinksOnTheHost() {
    return true;
  }

  @Override
  public int run(RunSpec spec, Consumer<String> output, Consumer<RootfsSnapshot> afterRun)
      throws IOException {
    if (!spec.binds().isEmpty()) {
      // No preload can show a host directory at a path of the root: the caller moves it in.
      throw new ExecutorException("the fakechroot executor cannot bind " + spec.binds().get(0).source()
          + " at " + spec.binds().get(0).target());
    }
    Path root = spec.rootfs().toRealPath();
    Mounts.requireExec(root);
    ImageUser user = ImageUser.resolve(root, spec.user());
    OwnershipMap before = spec.ownershipFile() == null ? OwnershipMap.empty()
        : OwnershipMap.load(spec.ownershipFile());
    RootfsSnapshot beforeTree = FakerootState.treeBefore(spec, root);
    Path state = FakerootState.writeStart(spec, root, before, beforeTree);
    Path stateDir = state.getParent();
    Path ldconfig = null;
    Path fakedStub = null;
    Faked faked = null;
    Path socketRoot = null;
    try {
      Map<String, String> env = spec.environment();
      env.putIfAbsent("HOME", user.home());
      // Else the shell that enters the working directory passes on its host path (ROOT/srv), which
      // fakechroot takes for a path inside the root: exec-form commands saw it in $PWD.
      env.putIfAbsent("PWD", spec.workdir());
      socketRoot = shortSocketRoot(root);
      Optional<Path> proot = HostTools.find("proot");
      if (proot.isPresent()) {
        ldconfig = imageLibraries == null ? hostLdconfig(stateDir, proot.get())
            : socketRoot == null ? null
            : imageLdconfig(stateDir, socketRoot.getParent(), proot.get(), imageLibraries.loader(), root);
        if (ldconfig != null) {
          String standIn = ldconfig.toString();
          env.put("FAKECHROOT_CMD_SUBST", LDCONFIG_PATHS.stream().map(p -> p + "=" + standIn)
              .collect(Collectors.joining(":")));
        } else {
          output.accept("lading: ldconfig does nothing in this step (the temporary directory takes no"
              + " symbolic link, or its path has a space), so /etc/ld.so.cache is not refreshed");
        }
      } // else ldconfig does nothing: caveats() said so when the executor was chosen
      if (socketRoot != null) {
        env.put("FAKECHROOT_AF_UNIX_PATH", socketRoot.toString());
      }
      Faked.reportIds(env, user);
      List<String> command;
      FakerootLibrary own = null;
      if (imageLibraries == null) {
        // The fakeroot script would start faked in the background, where it is orphaned, and after
        // the command wait (while kill -s TERM $PID; do sleep 0.1; done) until the faked that exited
        // is gone, i.e. until whoever adopts orphans reaps it: 1.5 to 2 s per RUN step on a VM whose
        // init reaps every so often, forever in a container whose init never does. The faked it
        // names, started here in the foreground, is our child, reaped at once; the script, given it
        // with -f, still drains it and stops it. If the script reads otherwise, it starts its own.
        Optional<FakerootLibrary> host = FakerootLibrary.host();
        if (host.isPresent()) {
          faked = Faked.start(host.get().faked(), state);
          fakedStub = faked.stub(stateDir);
        }
        command = hostCommand(root, state, fakedStub);
      } else {
        own = FakerootLibrary.of(imageLibraries, root);
        faked = Faked.start(own.faked(), state);
        command = imageCommand(root, env, faked);
      }
      command.addAll(CommandLine.inWorkdir(spec));
      int exit = CommandLine.run(StepInit.wrap(command, stateDir, spec.network()), env, root, output);
      if (faked != null && fakedStub != null) {
        faked.awaitExit(); // the fakeroot script drained and stopped it; it saved its state as it exited
        faked = null;
      } else if (faked != null) {
        faked.drain(own, root);
        faked.stop(); // it writes its state file as it exits
        faked = null;
      }
      FakerootState.recordStep(spec, root, beforeTree, before, state, Map.of(), user, afterRun);
      return exit;
    } finally {
      if (faked != null) {
        faked.stop();
      }
      Files.deleteIfExists(state);
      if (fakedStub != null) {
        Files.deleteIfExists(fakedStub);
      }
      if (ldconfig != null) {
        Files.deleteIfExists(ldconfig);
      }
      if (socketRoot != null) {
        // The link to the root and the stand-in's links, never what they name.
        FileTrees.deleteTree(socketRoot.getParent());
      }
    }
  }

  /** {@link #probe} answers by library: the same libraries on this host answer alike for every stage. */
  private static final Map<Path, Optional<String>> PROBED = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether fakechroot with {@code libs} runs the root's shell and finds the root's files, tried once
   * per process before a build relies on them: empty if so, else what went wrong.
   */
  static Optional<String> probe(ImageLibraries libs, Path rootfs) throws IOException {
    Optional<String> known = PROBED.get(libs.libfakechroot());
    if (known == null) {
      known = probeOnce(libs, rootfs);
      PROBED.put(libs.libfakechroot(), known);
    }
    return known;
  }

  private static Optional<String> probeOnce(ImageLibraries libs, Path rootfs) throws IOException {
    List<String> lines = new ArrayList<>();
    int exit = new FakechrootExecutor(libs).run(new RunSpec(rootfs, List.of("/bin/sh", "-c",
        "test -d /etc && test -x /bin/sh && echo lading-probe-ok"), List.of(), "/", "", null),
        lines::add, tree -> { });
    if (exit == 0 && lines.contains("lading-probe-ok")) {
      return Optional.empty();
    }
    return Optional.of("exit " + exit + (lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1).strip()));
  }

  /**
   * A short path to the root (a symbolic link in a new directory of the temp directory), for Unix
   * socket paths: fakechroot puts the root's path before every socket path a program binds or
   * connects to, and a socket path has room for 107 bytes, which a root deep in the store, plus
   * {@code /run/buildkit/ssh_agent.0} or a daemon's socket path, can exceed ("File name too long").
   * Null when the temp directory takes no link (then the root's own path is used).
   */
  private static Path shortSocketRoot(Path root) {
    try {
      Path dir = ShortLinkDirectory.create();
      try {
        return Files.createSymbolicLink(dir.resolve("r"), root);
      } catch (IOException | UnsupportedOperationException e) {
        Files.deleteIfExists(dir);
        return null;
      }
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * {@code fakechroot -e chroot fakeroot -i STATE -s STATE chroot ROOT}. "-e chroot" is fakechroot's
   * chroot environment, which swaps in harmless stand-ins for the static programs no preload can
   * reach (ldconfig would write the host's cache; ours, first in FAKECHROOT_CMD_SUBST, runs the
   * image's own under proot) and runs chroot and env through fakechroot's wrappers. fakechroot picks
   * it by the command's name only when that is "chroot" or a bare "fakeroot", so it is named here.
   */
  private List<String> hostCommand(Path root, Path state, Path fakedStub) throws IOException {
    Path fakechroot = HostTools.require("fakechroot", "fakechroot", name());
    Path fakeroot = HostTools.require("fakeroot", "fakeroot", name());
    Path chroot = HostTools.require("chroot", "coreutils", name());
    List<String> command = new ArrayList<>(List.of(fakechroot.toString(), "-e", "chroot", "--",
        fakeroot.toString()));
    if (fakedStub != null) {
      command.addAll(List.of("-f", fakedStub.toString()));
    }
    command.addAll(List.of("-i", state.toString(), "-s", state.toString(), "--", chroot.toString(),
        root.toString()));
    return command;
  }

  /**
   * The image's loader running the image's chroot with the image release's libraries preloaded, as
   * the fakechroot and fakeroot scripts would set them up; FAKECHROOT_ELFLOADER makes every later
   * exec go through the image's loader too (the kernel would take the host's from the program's
   * interpreter path).
   */
  private List<String> imageCommand(Path root, Map<String, String> env, Faked faked) throws IOException {
    ImageLibraries libs = imageLibraries;
    Path chroot = RootPaths.resolve(root, "usr/sbin/chroot").orElseThrow(() -> new ExecutorException(
        "the image has no /usr/sbin/chroot (coreutils), which fakechroot with the image's libraries runs"));
    env.put("FAKEROOTKEY", faked.key());
    // libfakeroot first, as the fakechroot script orders them: the other way round, Debian 12's
    // libfakeroot (1.31) passes a stat back through libfakechroot, which puts the root's path in
    // front a second time (strace: stat("ROOT/ROOT/etc")), and no program is found through PATH.
    env.put("LD_PRELOAD", libs.libfakeroot() + ":" + libs.libfakechroot());
    if (libs.loaderTakesArgv0()) {
      // Programs run through the loader otherwise see their host path as argv[0] (and print it).
      env.put("FAKECHROOT_ELFLOADER_OPT_ARGV0", "--argv0");
    }
    env.put("LD_LIBRARY_PATH", libs.libraryPathArgument());
    env.put("FAKECHROOT", "true");
    env.put("FAKECHROOT_EXCLUDE_PATH", "/dev:/proc:/sys");
    env.put("FAKECHROOT_ELFLOADER", libs.loader().toString());
    return new ArrayList<>(List.of(libs.loader().toString(), "--library-path", libs.libraryPathArgument(),
        chroot.toString(), root.toString()));
  }

  /**
   * A stand-in for the image's ldconfig: ldconfig is static, so no preload can point it at the image
   * (fakechroot's own stand-in does nothing, which leaves /etc/ld.so.cache stale after dpkg's
   * libc-bin trigger, and after a "make install && ldconfig" into /usr/local/lib). proot can, for a
   * static program too: the stand-in runs the image's ldconfig there. fakechroot runs a stand-in
   * outside the chroot, with the step's environment, naming the image's program in
   * FAKECHROOT_CMD_ORIG and the root in FAKECHROOT_BASE_ORIG; the preloads go, as they would only
   * get in proot's way.
   */
  private static Path hostLdconfig(Path dir, Path proot) throws IOException {
    return standIn(dir, "#!/bin/sh\n"
        + "unset LD_PRELOAD LD_LIBRARY_PATH FAKEROOTKEY FAKECHROOT_ELFLOADER\n"
        + "exec '" + proot + "' -r \"$FAKECHROOT_BASE_ORIG\" -w / \"$FAKECHROOT_CMD_ORIG\" \"$@\"\n");
  }

  /**
   * The same with the image release's libraries, which the stand-in inherits (LD_LIBRARY_PATH,
   * LD_PRELOAD) and which no host program loads: the image's loader runs the image's shell (the #!
   * line), and the image's env drops the variables before proot starts, by unsetenv, which is what
   * libfakechroot's exec reads (a shell's unset leaves the process's environment as it was, and
   * FAKECHROOT_ELFLOADER would run the host's proot through the image's loader). The #! line names
   * both through links in {@code linkDir}, the short directory of {@link #shortSocketRoot} (the
   * caller removes it with what is in it): the kernel reads 127 bytes of that line before Linux 5.1
   * (RHEL 8's 4.18), and the root's own path can be longer. Null when the links cannot be made.
   */
  private static Path imageLdconfig(Path dir, Path linkDir, Path proot, Path loader, Path root)
      throws IOException {
    Optional<Path> shell = RootPaths.resolve(root, "bin/sh");
    Optional<Path> envProgram = RootPaths.resolve(root, "usr/bin/env");
    if (shell.isEmpty() || envProgram.isEmpty()) {
      return null;
    }
    try {
      Files.createSymbolicLink(linkDir.resolve("ld"), loader);
      Files.createSymbolicLink(linkDir.resolve("sh"), shell.get());
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
    String line = "#!" + linkDir.resolve("ld") + " " + linkDir.resolve("sh");
    if (line.length() > 127 || line.chars().filter(Character::isWhitespace).count() != 1) {
      return null;
    }
    return standIn(dir, line + "\n"
        + "exec '" + envProgram.get() + "' -u LD_PRELOAD -u LD_LIBRARY_PATH -u FAKEROOTKEY"
        + " -u FAKECHROOT_ELFLOADER '" + proot + "' -r \"$FAKECHROOT_BASE_ORIG\" -w /"
        + " \"$FAKECHROOT_CMD_ORIG\" \"$@\"\n");
  }

  private static Path standIn(Path dir, String script) throws IOException {
    Path file = Files.createTempFile(dir, ".ldconfig-", ".sh");
    Files.writeString(file, script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
