package dev.lading.transfer;

import dev.lading.io.FileTrees;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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
    Path dir = store.workAreas().newTempDirectory("archive-");
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
      FileTrees.deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the temporary directory " + dir, e);
    }
  }
}
