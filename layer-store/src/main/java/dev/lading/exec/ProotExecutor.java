package dev.lading.exec;

import dev.lading.layer.OwnershipMap;
import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code proot -0 -r ROOTFS ...}: ptrace translates paths and fakes root for any program, static or
 * dynamic, whatever its libc. Slower on syscall-heavy steps, and it keeps no record of ownership:
 * {@code chown} succeeds and is forgotten, so files a step creates belong to root in the layer.
 */
public final class ProotExecutor implements RootfsExecutor {
  private final Path emulator;

  /** proot running the root's programs natively. */
  public ProotExecutor() {
    this(null);
  }

  /** proot handing the root's programs to {@code emulator} (a qemu user-mode emulator), when not null. */
  public ProotExecutor(Path emulator) {
    this.emulator = emulator;
  }

  @Override
  public String name() {
    return "proot";
  }

  /**
   * What proot gets wrong here, for the log: without the {@link SyscallFilter}, the calls it does not
   * translate name the host's files. Empty when there is nothing to say.
   */
  static String caveats() {
    if (SyscallFilter.prefix().isPresent()) {
      return "";
    }
    return "; " + SyscallFilter.unavailable() + ", so the calls proot does not translate (statx before"
        + " proot 5.2, faccessat2, fchmodat2) reach the host's files: ls -l, stat and test -r inside a"
        + " step may see the host's files";
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
    command.addAll(CommandLine.inWorkdir(spec));
    Map<String, String> env = spec.environment();
    env.putIfAbsent("HOME", user.home());
    // proot keeps its own temp files out of the root; a writable place is all it needs.
    env.put("PROOT_TMP_DIR", System.getProperty("java.io.tmpdir"));
    // The tree before the step, to tell what the step created (by inode) from what it left alone.
    RootfsSnapshot beforeTree = spec.ownershipFile() == null ? null
        : spec.current() != null ? spec.current() : RootfsSnapshot.take(root);
    int exit = CommandLine.run(SyscallFilter.wrap(command), env, root, output);
    if (spec.ownershipFile() != null) {
      RootfsSnapshot after = RootfsSnapshot.take(root);
      FakerootState.after(after, beforeTree, before, null, user.uid(), user.gid())
          .saveTemporary(spec.ownershipFile());
      afterRun.accept(after);
    }
    return exit;
  }
}
