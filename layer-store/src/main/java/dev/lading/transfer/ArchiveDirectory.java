package dev.lading.transfer;

import dev.lading.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A private directory holding an extracted image tarball, in the store's temp space
 * (one file system with the blobs, and cleaned up by fsck if we die). Deleted on close.
 */
final class ArchiveDirectory implements AutoCloseable {
  private final Path dir;

  private ArchiveDirectory(Path dir) {
    this.dir = dir;
  }

  /** Extracts {@code archive}; a missing file is an {@link ImageNotFoundException}. */
  static ArchiveDirectory extract(Store store, Path archive, String what) throws IOException {
    if (!Files.isRegularFile(archive)) {
      throw new ImageNotFoundException(what + ": " + archive + (Files.exists(archive)
          ? " is not a file" : " does not exist") + "; check the path");
    }
    Path dir = store.newTempDirectory("archive-");
    ArchiveDirectory result = new ArchiveDirectory(dir);
    try {
      Archives.extract(archive, dir, what);
    } catch (NoSuchFileException e) {
      result.close();
      throw new ImageNotFoundException(what + ": " + archive + " does not exist; check the path", e);
    } catch (IOException | RuntimeException e) {
      result.close();
      throw e;
    }
    return result;
  }

  Path dir() {
    return dir;
  }

  @Override
  public void close() {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException gone) {
      // nothing left to delete
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the temporary directory " + dir, e);
    }
  }
}
