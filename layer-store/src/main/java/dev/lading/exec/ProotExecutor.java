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
  private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

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
   * What the installed proot gets wrong, for the log: before 5.2 it does not translate statx, so
   * {@code stat} and {@code ls -l} of a path (coreutils use statx) see the host's file system, while
   * every other call sees the image's. Empty when there is nothing to say.
   */
  static String caveats() {
    try {
      Process p = new ProcessBuilder(HostTools.require("proot", "proot", "proot").toString(), "--version")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor();
      java.util.regex.Matcher m = VERSION.matcher(out);
      String version = null;
      while (m.find()) {
        version = m.group();
      }
      if (version == null) {
        return "";
      }
      String[] parts = version.split("\\.");
      int major = Integer.parseInt(parts[0]);
      int minor = Integer.parseInt(parts[1]);
      if (major < 5 || (major == 5 && minor < 2)) {
        return "; this proot (" + version + ") does not translate statx: stat and ls -l inside a step"
            + " see the host's files (proot 5.2 or later does)";
      }
      return "";
    } catch (IOException | InterruptedException | RuntimeException e) {
      return "";
    }
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
    int exit = CommandLine.run(command, env, root, output);
    if (spec.ownershipFile() != null) {
      RootfsSnapshot after = RootfsSnapshot.take(root);
      FakerootState.after(after, beforeTree, before, null, user.uid(), user.gid())
          .saveTemporary(spec.ownershipFile());
      afterRun.accept(after);
    }
    return exit;
  }
}
