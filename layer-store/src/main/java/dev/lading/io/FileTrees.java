package dev.lading.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** Operations on whole directory trees. */
public final class FileTrees {
  private FileTrees() {}

  // Unlinking is the kernel's work, and in separate directories it runs side by side: removing a
  // RUN step's 20,000 files takes about 0.6 of the time on two cores that it takes on one.
  private static final class Pool {
    static final ForkJoinPool INSTANCE =
        new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Deletes a file, or a directory and everything below it, never following symlinks (a link is
   * deleted, not what it points to). A path that does not exist is not an error. Subdirectories are
   * removed on several threads; each directory goes once its contents are gone.
   *
   * @return true when something was deleted
   */
  public static boolean deleteTree(Path path) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException gone) {
      return false;
    }
    if (!attributes.isDirectory()) {
      return Files.deleteIfExists(path);
    }
    try {
      Pool.INSTANCE.invoke(new DirectoryRemoval(path));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return true;
  }

  /** Removes one directory: its files here, its subdirectories as tasks of their own. */
  private static final class DirectoryRemoval extends RecursiveAction {
    private final Path directory;

    DirectoryRemoval(Path directory) {
      this.directory = directory;
    }

    @Override
    protected void compute() {
      List<DirectoryRemoval> subdirectories = new ArrayList<>();
      try {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
          for (Path child : children) {
            if (!deleteUnlessDirectory(children, child)) {
              subdirectories.add(new DirectoryRemoval(child));
            }
          }
        } catch (NoSuchFileException gone) {
          return; // removed by someone else meanwhile
        }
        invokeAll(subdirectories);
        Files.deleteIfExists(directory);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Deletes {@code child} unless it is a directory; false when it is one. */
    private static boolean deleteUnlessDirectory(DirectoryStream<Path> children, Path child)
        throws IOException {
      if (children instanceof SecureDirectoryStream<Path> secure) {
        // unlinkat relative to the open directory: no lstat per file, and nothing resolved twice.
        try {
          secure.deleteFile(child.getFileName());
          return true;
        } catch (NoSuchFileException gone) {
          return true;
        } catch (IOException notUnlinked) {
          if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
            return false;
          }
          throw notUnlinked;
        }
      }
      if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      Files.deleteIfExists(child);
      return true;
    }
  }
}
