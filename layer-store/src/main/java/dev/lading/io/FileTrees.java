package dev.lading.io;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Operations on whole directory trees. */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes a file, or a directory and everything below it, never following symlinks (a link is
   * deleted, not what it points to). A path that does not exist is not an error.
   *
   * @return true when something was deleted
   */
  public static boolean deleteTree(Path path) throws IOException {
    try {
      Files.walkFileTree(path, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
          if (exc != null) {
            throw exc;
          }
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
      return true;
    } catch (NoSuchFileException gone) {
      return false;
    }
  }
}
