package dev.lading.exec;

import dev.lading.layer.OwnershipMap;
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
 * map; works only when the image's glibc is the host's (see {@link ExecutorChoice}).
 */
public final class FakechrootExecutor implements RootfsExecutor {
  /** Where a step finds ldconfig: the PATH directories of Debian and its derivatives. */
  private static final List<String> LDCONFIG_PATHS = List.of("/usr/local/sbin/ldconfig",
      "/usr/local/bin/ldconfig", "/usr/sbin/ldconfig", "/usr/bin/ldconfig", "/sbin/ldconfig", "/bin/ldconfig");

  @Override
  public String name() {
    return "fakechroot";
  }

  @Override
  public int run(RunSpec spec, Consumer<String> output) throws IOException {
    Path fakechroot = HostTools.require("fakechroot", "fakechroot", name());
    Path fakeroot = HostTools.require("fakeroot", "fakeroot", name());
    Path chroot = HostTools.require("chroot", "coreutils", name());
    Path root = spec.rootfs().toRealPath();
    ImageUser user = ImageUser.resolve(root, spec.user());
    OwnershipMap before = spec.ownershipFile() == null ? OwnershipMap.empty()
        : OwnershipMap.load(spec.ownershipFile());
    // fakeroot's state lives beside the ownership map (the caller's work directory), never in the root.
    Path stateDir = spec.ownershipFile() != null ? spec.ownershipFile().toAbsolutePath().getParent()
        : root.getParent();
    Path state = Files.createTempFile(stateDir, ".fakeroot-", ".state");
    Path ldconfig = null;
    try {
      Files.writeString(state, before.toFakerootSaveFile(root));
      // "-e chroot": fakechroot's chroot environment, which swaps in harmless stand-ins for the
      // static programs no preload can reach (ldconfig would write the host's cache; ours, first in
      // FAKECHROOT_CMD_SUBST, runs the image's own under proot) and runs
      // chroot and env through fakechroot's wrappers. fakechroot picks it by the command's name
      // only when that is "chroot" or a bare "fakeroot", so it is named here.
      List<String> command = new ArrayList<>(List.of(fakechroot.toString(), "-e", "chroot", "--",
          fakeroot.toString(),
          "-i", state.toString(), "-s", state.toString(), "--", chroot.toString(), root.toString()));
      command.addAll(CommandLine.inWorkdir(spec));
      Map<String, String> env = spec.environment();
      env.putIfAbsent("HOME", user.home());
      Optional<Path> proot = HostTools.find("proot");
      if (proot.isPresent()) {
        ldconfig = imageLdconfig(stateDir, proot.get());
        String standIn = ldconfig.toString();
        env.put("FAKECHROOT_CMD_SUBST", LDCONFIG_PATHS.stream().map(p -> p + "=" + standIn)
            .collect(Collectors.joining(":")));
      } else {
        output.accept("lading: proot is not installed, so ldconfig does nothing in this step and the"
            + " image's /etc/ld.so.cache is not refreshed (apt-get install proot)");
      }
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
      if (ldconfig != null) {
        Files.deleteIfExists(ldconfig);
      }
    }
  }

  /**
   * A stand-in for the image's ldconfig: ldconfig is static, so no preload can point it at the image
   * (fakechroot's own stand-in does nothing, which leaves /etc/ld.so.cache stale after dpkg's
   * libc-bin trigger). proot can, for a static program too: the stand-in runs the image's ldconfig
   * there. fakechroot runs a stand-in outside the chroot, naming the image's program in
   * FAKECHROOT_CMD_ORIG and the root in FAKECHROOT_BASE_ORIG; the preloads go, as they would only
   * get in proot's way.
   */
  private static Path imageLdconfig(Path dir, Path proot) throws IOException {
    Path script = Files.createTempFile(dir, ".ldconfig-", ".sh");
    Files.writeString(script, "#!/bin/sh\n"
        + "unset LD_PRELOAD LD_LIBRARY_PATH FAKEROOTKEY\n"
        + "exec '" + proot + "' -r \"$FAKECHROOT_BASE_ORIG\" -w / \"$FAKECHROOT_CMD_ORIG\" \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }
}
