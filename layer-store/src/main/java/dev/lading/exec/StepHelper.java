package dev.lading.exec;

import dev.lading.digest.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * {@code lading-step} ({@code step-helper.c}), the static host program behind each step: the init
 * ({@link StepInit}), the system-call filter for proot ({@link SyscallFilter}), and what stops faked
 * when Lading dies ({@link Faked}). Built with Lading
 * for x86_64 and aarch64 and carried in the jar, so that the executors need nothing of the host but
 * fakechroot, fakeroot or proot. It is written next to a step's root, on the file system the root's
 * programs run from (a {@code noexec} one is refused before, {@link Mounts}), under a name that holds
 * its digest: builds sharing that directory share the file, and one Lading never runs another's.
 */
final class StepHelper {
  static final String NAME = "lading-step";

  private static volatile Optional<byte[]> program;
  private static volatile String fileName;

  private StepHelper() {}

  /** The program for this machine, empty when this Lading was built without it. */
  static Optional<byte[]> program() {
    Optional<byte[]> known = program;
    if (known == null) {
      String path = "native/" + OwnerLog.hostArchitecture() + "/" + NAME;
      try (InputStream in = StepHelper.class.getResourceAsStream(path)) {
        known = in == null ? Optional.empty() : Optional.of(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      known.ifPresent(bytes -> fileName = "." + NAME + "-" + Digest.of(bytes).hex().substring(0, 16));
      program = known;
    }
    return known;
  }

  /** Why {@link #program()} is empty, for the log. */
  static String missing() {
    return "this Lading was built without its step helper for " + OwnerLog.hostArchitecture();
  }

  /** Where the helper for the steps in {@code root} is written: beside it. */
  static Path dirFor(Path root) {
    return root.toAbsolutePath().getParent();
  }

  /**
   * The program in {@code dir}, written there if it is not yet; empty when there is no program for
   * this machine. A {@code dir} on a {@code noexec} file system fails, saying what to do.
   */
  static Optional<Path> installIn(Path dir) throws IOException {
    Optional<byte[]> bytes = program();
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    Mounts.requireExec(dir);
    Path target = dir.resolve(fileName);
    if (Files.isExecutable(target) && Files.size(target) == bytes.get().length) {
      return Optional.of(target);
    }
    Path temp = Files.createTempFile(dir, "." + NAME + "-", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Files.write(temp, bytes.get());
      // A rename: a build running the one already there keeps running it.
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    return Optional.of(target);
  }
}
