package dev.lading.cli;

import dev.lading.testing.Processes;
import dev.lading.testing.ReadOnlyView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the built {@code lading.jar} as a locked-down CI user would: as {@code nobody} (when the tests
 * run as root) with home {@code /nonexistent}, from a directory that user can read.
 */
final class AsNobody {
  private AsNobody() {}

  /** True when the tests run as root (and so can switch to nobody). */
  static boolean root() throws IOException {
    return ReadOnlyView.root();
  }

  /** Opens {@code dir} to everyone and copies the built jar into it (the checkout may be closed). */
  static Path jar(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path jar = Files.copy(Path.of(System.getProperty("lading.jar", "target/lading.jar")),
        dir.resolve("lading.jar"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    return jar;
  }

  /** Makes (or takes from {@code out}) a base image with tools/make-base-image.sh; its layout reference. */
  static String baseImage(String variant, Path out) throws IOException {
    Path script = Path.of(System.getProperty("lading.tools", "../tools")).resolve("make-base-image.sh");
    // The script prints the layout reference last (its progress lines come before, on stderr).
    List<String> printed = Processes.check(List.of("bash", script.toString(), variant, "--out",
        out.toString()), 900).trim().lines().toList();
    Processes.check(List.of("chmod", "-R", "a+rX", out.toString()), 120);
    return printed.get(printed.size() - 1);
  }

  /**
   * Runs {@code java [jvmOptions] -jar JAR ARGS} as nobody with {@code HOME=/nonexistent} and the
   * {@code NAME=VALUE} entries of {@code env}.
   */
  static Processes.Result lading(Path jar, List<String> env, List<String> jvmOptions, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    if (root()) {
      command.addAll(List.of("runuser", "-u", "nobody", "--"));
    }
    command.addAll(List.of("env", "HOME=/nonexistent"));
    command.addAll(env);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(List.of(args));
    return Processes.run(command, 900);
  }
}
