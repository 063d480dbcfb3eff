package dev.lading.store;

import dev.lading.io.FileTrees;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

/**
 * A working directory in the store's temp area whose owner says, for as long as it runs, that it
 * still uses it: it holds an exclusive lock on {@code .NAME.owner} beside {@code NAME}, taken before
 * the directory is made. A build killed with SIGKILL, or stopped by Ctrl-C or a cancelled CI job,
 * leaves a whole root file system there; the next build, gc and fsck remove a directory whose lock is
 * free right away, and never one whose owner still runs, however old (a RUN step may take hours).
 * Locks, not pids: a store shared by containers sees processes of other pid namespaces, whose pids
 * say nothing here, and the kernel drops a dead process's locks whatever killed it.
 *
 * <p>Unlike the store's other lock files, these are deleted with their directory: only the owner ever
 * holds one, and a sweeper that finds it free (or makes it anew, racing the owner's own removal)
 * only deletes what is already abandoned, since a directory exists only while its lock is held.
 */
public final class OwnedTempDirectory implements AutoCloseable {
  private static final String LOCK_SUFFIX = ".owner";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path path;
  private final ProcessLocks.Held lock;

  private OwnedTempDirectory(Path path, ProcessLocks.Held lock) {
    this.path = path;
    this.lock = lock;
  }

  /**
   * A new, empty directory {@code tmp/PREFIX<random>}, owned by this process until closed: in the
   * store's temp area ({@link StoreWorkAreas#newOwnedTempDirectory}), or in another directory that
   * holds nothing else (a build's {@code LADING_WORK_DIR}).
   */
  public static OwnedTempDirectory create(Path tmp, String prefix) throws IOException {
    Files.createDirectories(tmp);
    while (true) {
      String name = prefix + HexFormat.of().formatHex(bytes());
      Path dir = tmp.resolve(name);
      ProcessLocks.Held lock = ProcessLocks.JVM.tryAcquire(lockOf(dir), false);
      if (lock == null) {
        continue; // that name's lock is someone's: another name
      }
      try {
        if (!Files.exists(lockOf(dir))) {
          // A sweep deleted the file between its making and its locking (ours is then of a deleted
          // file, which says nothing to the next sweep): another name.
          lock.close();
          continue;
        }
        Files.createDirectory(dir);
        return new OwnedTempDirectory(dir, lock);
      } catch (FileAlreadyExistsException taken) {
        lock.close(); // an abandoned directory of that name: the sweep's, not ours
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(lockOf(dir));
        lock.close();
        throw e;
      }
    }
  }

  private static byte[] bytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  /** The directory; its owner deletes it (or {@link #close} does). */
  public Path path() {
    return path;
  }

  /** Deletes the directory, then its lock file, and gives up the lock. */
  @Override
  public void close() throws IOException {
    try {
      FileTrees.deleteTree(path);
      Files.deleteIfExists(lockOf(path));
    } finally {
      lock.close();
    }
  }

  static Path lockOf(Path dir) {
    return dir.resolveSibling("." + dir.getFileName() + LOCK_SUFFIX);
  }

  /** Whether {@code file} in the temp area is the lock file of an owned directory. */
  static boolean isLock(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith(".") && name.endsWith(LOCK_SUFFIX);
  }

  /** Whether {@code dir} in the temp area is an owned directory (has a lock file). */
  static boolean isOwned(Path dir) {
    return Files.exists(lockOf(dir));
  }

  /**
   * Deletes the owned directories in {@code tmp} whose owner is gone, but those {@code keep} accepts,
   * and lock files left without a directory (an owner killed between the two); a live owner's are
   * kept whatever their age. Best
   * effort, as its callers are builds about to start: what this user cannot lock or delete (another
   * user's, in a store several share) stays for its own user's next build, fsck or gc.
   *
   * @return the directories deleted
   */
  public static List<Path> removeAbandoned(Path tmp, Predicate<Path> keep) throws IOException {
    List<Path> removed = new ArrayList<>();
    for (Path file : StoreMaintenance.list(tmp)) {
      if (!isLock(file)) {
        continue;
      }
      String name = file.getFileName().toString();
      Path dir = file.resolveSibling(name.substring(1, name.length() - LOCK_SUFFIX.length()));
      try (ProcessLocks.Held free = ProcessLocks.JVM.tryAcquire(file, false)) {
        if (free == null) {
          continue; // its owner still runs
        }
        if (Files.exists(dir)) {
          if (keep.test(dir)) {
            continue; // kept with its lock file, for the next sweep
          }
          FileTrees.deleteTree(dir);
          removed.add(dir);
        }
        Files.deleteIfExists(file);
      } catch (IOException notOurs) {
        // another user's lock file or tree: left to them
      }
    }
    return removed;
  }
}
