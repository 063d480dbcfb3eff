package dev.lading.exec;

import java.io.File;
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

  /** The program, or an error that says which package to install for which executor. */
  static Path require(String program, String debianPackage, String executor) throws ExecutorException {
    return find(program).orElseThrow(() -> new ExecutorException("the " + executor + " executor needs "
        + program + ", which is not installed: apt-get install " + debianPackage));
  }
}
