package dev.lading.exec;

import dev.lading.layer.OwnershipMap;
import dev.lading.layer.RootPaths;
import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code proot -0 -r ROOTFS ...}: ptrace translates paths and fakes root for any program, static or
 * dynamic, whatever its libc. Slower on syscall-heavy steps, and by itself it keeps no record of
 * ownership: {@code chown} succeeds and is forgotten. Without a libfakeroot, the {@link OwnerLog}
 * library preloaded into the image's programs records their chowns (not a static program's; under
 * an emulator, the library built for the image's architecture, when there is one); the files a step
 * creates belong to its user. With a libfakeroot preloaded
 * into the image's programs inside proot (the host's, which loads into programs of a glibc as new
 * as the host's or newer), ownership is recorded as under fakechroot: the way for an image whose
 * glibc is newer than the host's, which no fakechroot of either release serves.
 */
public final class ProotExecutor implements RootfsExecutor {
  /** Where the image's programs see the directory of the libfakeroot. */
  private static final String FAKEROOT_DIR = "/.lading-fakeroot";

  private final Path emulator;
  /** The architecture of the root's programs, as {@code uname -m} names it: which owner log they load. */
  private final String machine;
  private final FakerootLibrary fakeroot;

  /** proot running the root's programs natively. */
  public ProotExecutor() {
    this(null, OwnerLog.hostArchitecture(), null);
  }

  /**
   * proot handing the root's programs, of {@code machine} ({@code uname -m}'s name for their
   * architecture), to {@code emulator} (a qemu user-mode emulator).
   */
  public ProotExecutor(Path emulator, String machine) {
    this(emulator, machine, null);
  }

  /** proot with {@code fakeroot} preloaded in the image's programs and its faked recording owners. */
  ProotExecutor(FakerootLibrary fakeroot) {
    this(null, OwnerLog.hostArchitecture(), fakeroot);
  }

  private ProotExecutor(Path emulator, String machine, FakerootLibrary fakeroot) {
    this.emulator = emulator;
    this.machine = machine;
    this.fakeroot = fakeroot;
  }

  @Override
  public String name() {
    return "proot";
  }

  /**
   * What proot gets wrong here, for the log: without the {@link SyscallFilter}, the calls it does not
   * translate name the host's files. Empty when there is nothing to say.
   */
  static String caveats(Path rootfs) throws IOException {
    Path helperDir = StepHelper.dirFor(rootfs);
    if (SyscallFilter.prefix(helperDir).isPresent()) {
      return "";
    }
    return "; " + SyscallFilter.unavailable(helperDir) + ", so the calls proot does not translate (statx before"
        + " proot 5.2, faccessat2, fchmodat2) reach the host's files: ls -l, stat and test -r inside a"
        + " step may see the host's files";
  }

  /** What plain proot keeps of a step's chowns, for the log. */
  static String chownRecording() {
    return chownRecording(OwnerLog.hostArchitecture());
  }

  /** The same for programs of {@code machine} ({@code uname -m}'s name), an emulated image's. */
  static String chownRecording(String machine) {
    return OwnerLog.library(machine).isPresent()
        ? "chown is recorded for the image's dynamically linked programs, not for static ones"
        : "proot does not record chown (this Lading was built without its owner-log library for " + machine + ")";
  }

  @Override
  public boolean binds() {
    return true;
  }

  @Override
  public int run(RunSpec spec, Consumer<String> output, Consumer<RootfsSnapshot> afterRun)
      throws IOException {
    Path proot = HostTools.require("proot", "proot", name());
    Path root = spec.rootfs().toRealPath();
    Mounts.requireExec(root);
    ImageUser user = ImageUser.resolve(root, spec.user());
    OwnershipMap before = spec.ownershipFile() == null ? OwnershipMap.empty()
        : OwnershipMap.load(spec.ownershipFile());
    List<String> command = new ArrayList<>(List.of(proot.toString(), "-r", root.toString(),
        "-b", "/dev", "-b", "/proc", "-b", "/sys", "-w", "/"));
    if (emulator != null) {
      command.addAll(List.of("-q", emulator.toString()));
    }
    for (RunSpec.Bind bind : spec.binds()) {
      command.addAll(List.of("-b", bind.source().toAbsolutePath() + ":" + bind.target()));
    }
    if (user.uid() == 0 && user.gid() == 0) {
      command.add("-0");
    } else {
      command.addAll(List.of("-i", user.uid() + ":" + user.gid()));
    }
    Map<String, String> env = spec.environment();
    env.putIfAbsent("HOME", user.home());
    // proot keeps its own temp files out of the root; a writable place is all it needs.
    env.put("PROOT_TMP_DIR", System.getProperty("java.io.tmpdir"));
    RootfsSnapshot beforeTree = FakerootState.treeBefore(spec, root);
    Path state = null;
    Faked faked = null;
    OwnerLog owners = null;
    try {
      String envProgram = envProgram(root);
      if (fakeroot != null) {
        state = FakerootState.writeStart(spec, root, before, beforeTree);
        faked = Faked.start(fakeroot.faked(), state);
        command.addAll(List.of("-b", fakeroot.library().getParent() + ":" + FAKEROOT_DIR));
        command.addAll(preloadInside(envProgram, env, FAKEROOT_DIR + "/" + fakeroot.library().getFileName()));
        env.put("FAKEROOTKEY", faked.key());
        Faked.reportIds(env, user);
      } else if (spec.ownershipFile() != null && envProgram != null) {
        // No libfakeroot loads here: the owner log for the programs' architecture keeps the step's chowns.
        owners = OwnerLog.create(spec.ownershipFile().toAbsolutePath().getParent(), machine);
        if (owners != null) {
          command.addAll(List.of("-b", owners.directory() + ":" + OwnerLog.DIR));
          command.addAll(preloadInside(envProgram, env, OwnerLog.PRELOAD));
          env.put(OwnerLog.LOG_VARIABLE, OwnerLog.LOG_PATH);
        }
      }
      // proot's own status is that of whichever of its processes exited last: the image's shell
      // reports the command's instead, where there is one.
      boolean reported = StepInit.available() && RootPaths.resolve(root, "bin/sh").isPresent();
      command.addAll(reported ? StepInit.reportingShell(spec) : CommandLine.inWorkdir(spec));
      Path helperDir = StepHelper.dirFor(root);
      List<String> filtered = SyscallFilter.wrap(command, helperDir);
      int exit = CommandLine.run(reported ? StepInit.wrapReported(filtered, helperDir, spec.network())
          : StepInit.wrap(filtered, helperDir, spec.network()), env,
          root, output);
      if (faked != null) {
        faked.drain(fakeroot, root);
        faked.stop(); // it writes its state file as it exits
        faked = null;
      }
      FakerootState.recordStep(spec, root, beforeTree, before, state, owners == null ? Map.of() : owners.chowns(),
          user, afterRun);
      return exit;
    } finally {
      if (faked != null) {
        faked.stop();
      }
      if (state != null) {
        Files.deleteIfExists(state);
      }
      if (owners != null) {
        owners.close();
      }
    }
  }

  /**
   * The image's {@code env} ({@code envProgram}, null when it has none) setting LD_PRELOAD inside the
   * root: set outside, it would be loaded into proot too, a host program it is not built for (and it
   * names a path of the root).
   */
  private static List<String> preloadInside(String envProgram, Map<String, String> env, String preload)
      throws ExecutorException {
    if (envProgram == null) {
      throw new ExecutorException("the image has no env program (/usr/bin/env), which proot with"
          + " libfakeroot needs; use --executor proot");
    }
    String imageOwn = env.remove("LD_PRELOAD");
    return List.of(envProgram, "LD_PRELOAD=" + (imageOwn == null || imageOwn.isEmpty() ? preload
        : preload + ":" + imageOwn));
  }

  /** The image's {@code env}, null when it has none. */
  private static String envProgram(Path root) throws IOException {
    return RootPaths.resolve(root, "usr/bin/env").isPresent() ? "/usr/bin/env"
        : RootPaths.resolve(root, "bin/env").isPresent() ? "/bin/env" : null;
  }
}
