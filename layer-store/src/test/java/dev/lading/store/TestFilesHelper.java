package dev.lading.store;

import dev.lading.testing.TestFiles;
import java.nio.file.Path;

/** Shortcut to the shared test file helpers. */
final class TestFilesHelper {
  private TestFilesHelper() {}

  static void delete(Path path) {
    TestFiles.deleteRecursively(path);
  }
}
