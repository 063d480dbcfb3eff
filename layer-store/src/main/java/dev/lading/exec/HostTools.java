package dev.lading.exec;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The host programs the executors drive, found on PATH; a missing one names its Debian package. */
final class HostTools {
  private HostTools() {}

  /** The program on PATH (or in the sbin directories, where chroot lives), if any. */
  static Optional<Path> find(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * A statically linked busybox (Debian's busybox-static), if installed: a shell that runs whatever
   * libraries the environment preloads, as it loads none.
   */
  static Optional<Path> staticBusybox() throws IOException {
    Optional<Path> busybox = find("busybox");
    return busybox.isPresent() && isStatic(busybox.get().toRealPath()) ? busybox : Optional.empty();
  }

  /** Whether an x86-64 or aarch64 ELF file (64-bit, little-endian) has no PT_INTERP: no loader. */
  private static boolean isStatic(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      if (ch.read(header, 0) < 64 || header.getInt(0) != 0x464c457f || header.get(4) != 2) {
        return false;
      }
      long phoff = header.getLong(0x20);
      int phentsize = Short.toUnsignedInt(header.getShort(0x36));
      int phnum = Short.toUnsignedInt(header.getShort(0x38));
      ByteBuffer type = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < phnum; i++) {
        type.clear();
        if (ch.read(type, phoff + (long) i * phentsize) < 4) {
          return false;
        }
        if (type.getInt(0) == 3) { // PT_INTERP
          return false;
        }
      }
      return true;
    }
  }

  /** The program, or an error that says which package to install for which executor. */
  static Path require(String program, String debianPackage, String executor) throws ExecutorException {
    return find(program).orElseThrow(() -> new ExecutorException("the " + executor + " executor needs "
        + program + ", which is not installed: apt-get install " + debianPackage));
  }
}
