package dev.lading.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external tools the integration tests use (docker-registry, skopeo, umoci, fakechroot ...).
 * On a developer machine a missing tool skips the test with a message naming the package to install;
 * in CI ({@code CI=true}) it fails the test, so a missing install step can never turn green.
 */
public final class RequiredTool {
  private RequiredTool() {}

  /** The tool's path, or a failed/skipped test naming the Debian package that provides it. */
  public static Path require(String command, String debianPackage) {
    Optional<Path> found = find(command);
    if (found.isPresent()) {
      return found.get();
    }
    String message = command + " is not installed (apt-get install " + debianPackage + ")";
    if (isCi()) {
      Assertions.fail(message + "; CI must install it in .ci/run");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  /**
   * Goes on when {@code available} (a capability a test needs: root, a mount, a device); otherwise
   * skips the test with {@code what} on a developer machine and fails it in CI.
   */
  public static void requireThat(boolean available, String what) {
    if (available) {
      return;
    }
    if (isCi()) {
      Assertions.fail(what + "; CI must provide it");
    }
    Assumptions.abort(what);
  }

  /** The tool on PATH, if any. */
  public static Optional<Path> find(String command) {
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** True when running in CI, where skipping is not allowed. */
  public static boolean isCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }
}
