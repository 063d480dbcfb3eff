package dev.lading.exec;

import dev.lading.layer.OwnershipMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code fakechroot fakeroot chroot ROOTFS ...}: the image's programs run with the host's
 * libfakechroot (paths seen from the root) and libfakeroot (root's owners, chown and mknod recorded,
 * not done) preloaded. Fast, and what a step chowns carries into later steps through the ownership
 * map; works only when the image's glibc is the host's (see {@link ExecutorChoice}).
 */
public final class FakechrootExecutor implements RootfsExecutor {
  @Override
  public String name() {
    return "fakechroot";
  }

  @Override
  public int run(RunSpec spec, Consumer<String> output) throws IOException {
    Path fakechroot = HostTools.require("fakechroot", "fakechroot", name());
    Path fakeroot = HostTools.require("fakeroot", "fakeroot", name());
    Path chroot = HostTools.require("chroot", "coreutils", name());
    if (!spec.binds().isEmpty()) {
      // No preload can show a host directory at a path of the root: the caller moves it in.
      throw new ExecutorException("the fakechroot executor cannot bind " + spec.binds().get(0).source()
          + " at " + spec.binds().get(0).target());
    }
    Path root = spec.rootfs().toRealPath();
    ImageUser user = ImageUser.resolve(root, spec.user());
    OwnershipMap before = spec.ownershipFile() == null ? OwnershipMap.empty()
        : OwnershipMap.load(spec.ownershipFile());
    // fakeroot's state lives beside the ownership map (the caller's work directory), never in the root.
    Path stateDir = spec.ownershipFile() != null ? spec.ownershipFile().toAbsolutePath().getParent()
        : root.getParent();
    Path state = Files.createTempFile(stateDir, ".fakeroot-", ".state");
    try {
      Files.writeString(state, before.toFakerootSaveFile(root));
      // "-e chroot": fakechroot's chroot environment, which swaps in harmless stand-ins for the
      // static programs no preload can reach (ldconfig would write the host's cache) and runs
      // chroot and env through fakechroot's wrappers. fakechroot picks it by the command's name
      // only when that is "chroot" or a bare "fakeroot", so it is named here.
      List<String> command = new ArrayList<>(List.of(fakechroot.toString(), "-e", "chroot", "--",
          fakeroot.toString(),
          "-i", state.toString(), "-s", state.toString(), "--", chroot.toString(), root.toString()));
      command.addAll(CommandLine.inWorkdir(spec));
      Map<String, String> env = spec.environment();
      env.putIfAbsent("HOME", user.home());
      // libfakeroot reports these ids to the program: USER without a real setuid.
      for (String id : List.of("UID", "EUID", "SUID", "FUID")) {
        env.put("FAKEROOT" + id, Long.toString(user.uid()));
      }
      for (String id : List.of("GID", "EGID", "SGID", "FGID")) {
        env.put("FAKEROOT" + id, Long.toString(user.gid()));
      }
      int exit = CommandLine.run(command, env, root, output);
      if (spec.ownershipFile() != null) {
        FakerootState.after(root, before, state).save(spec.ownershipFile());
      }
      return exit;
    } finally {
      Files.deleteIfExists(state);
    }
  }
}
