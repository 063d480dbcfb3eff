package dev.lading.store;

import dev.lading.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether this process may write a store. A store can be read without write access (a CI cache
 * volume mounted read-only, a store that root prepared and {@code nobody} reads): reads then take
 * their shared locks on read-only channels and skip their bookkeeping, and writes fail with the
 * reason the OS gives.
 */
public final class WriteAccess {
  /** strerror(EROFS) on Linux: the reason the JDK gives when a read-only mount refuses a write. */
  private static final String READ_ONLY_FILE_SYSTEM = "Read-only file system";

  private WriteAccess() {}

  /** True when {@code t} is the JDK's report of a write refused by a read-only mount (EROFS). */
  public static boolean isReadOnlyFileSystem(Throwable t) {
    return t instanceof FileSystemException f && READ_ONLY_FILE_SYSTEM.equals(f.getReason());
  }

  /** True when the OS refused a write: no permission (EACCES) or a read-only mount (EROFS). */
  static boolean refused(IOException e) {
    return e instanceof AccessDeniedException || isReadOnlyFileSystem(e);
  }

  /** True when this process can create files where writers do: beside the blobs and in the temp area. */
  static boolean writable(Layout layout) {
    return writtenDirectories(layout).stream().allMatch(Files::isWritable);
  }

  /** Throws what the OS says to a writer (permission denied, read-only file system), if anything. */
  static void require(Layout layout) throws IOException {
    for (Path dir : writtenDirectories(layout)) {
      if (!Files.isWritable(dir)) {
        // Ask the OS itself: FileStore.isReadOnly misses read-only bind mounts (it goes by the
        // device, which they share with their writable original).
        try {
          Files.delete(Files.createTempFile(dir, ".write-check-", AtomicFiles.TMP_SUFFIX));
        } catch (AccessDeniedException e) {
          throw new AccessDeniedException(dir.toString()); // the directory, not the probe's name
        } catch (FileSystemException e) {
          throw isReadOnlyFileSystem(e)
              ? new FileSystemException(dir.toString(), null, READ_ONLY_FILE_SYSTEM) : e;
        }
      }
    }
  }

  /** access(2) answers for the caller's uid, capabilities and mount flags, so root is judged right. */
  private static List<Path> writtenDirectories(Layout layout) {
    return List.of(layout.blobs(), Files.isDirectory(layout.tmp()) ? layout.tmp() : layout.privateDir());
  }
}
