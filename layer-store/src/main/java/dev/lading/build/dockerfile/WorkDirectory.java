package dev.lading.build.dockerfile;

import dev.lading.io.ByteSize;
import dev.lading.io.DaemonThreads;
import dev.lading.io.FileTrees;
import dev.lading.io.Futures;
import dev.lading.io.OwnerProcess;
import dev.lading.store.OwnedTempDirectory;
import dev.lading.store.Store;
import dev.lading.store.StoreDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a build unpacks its stages' root file systems and runs their steps. By default an owned temp
 * directory of the store (one file system with the blobs; the next build removes it once this build
 * is gone, killed or cancelled: {@link OwnedTempDirectory}). Elsewhere when asked ({@code --work-dir},
 * {@code LADING_WORK_DIR}), e.g. a tmpfs: a RUN creating many files is bound by file-system metadata
 * work, which a tmpfs does in memory. There, builds of one user share {@code DIR/lading-<user>/},
 * each in an owned {@code build-*}, and a build removes those whose build is gone (the store's sweep
 * cannot see them). Owner locks, not pids: containers of one Kubernetes pod share an emptyDir but
 * not their pid namespaces, where another container's live build looks gone by its pid.
 */
final class WorkDirectory implements AutoCloseable {
  private static final Pattern NAMED_BY_PID = Pattern.compile("build-(\\d+)-.*");

  private final Path path;
  private final Path requested; // null: the store's own
  private final OwnedTempDirectory owned;
  private CompletableFuture<Void> removal;

  private WorkDirectory(OwnedTempDirectory owned, Path requested) {
    this.path = owned.path();
    this.requested = requested;
    this.owned = owned;
  }

  /** An owned directory of the store, after removing those of builds that are gone. */
  private static WorkDirectory inStore(Store store, Consumer<String> log) throws IOException {
    LentCaches.recoverAbandoned(store, log); // what they had of RUN --mount=type=cache goes back first
    removed(store.workAreas().removeAbandonedTempDirectories(), log);
    OwnedTempDirectory owned = store.workAreas().newOwnedTempDirectory("build-");
    return new WorkDirectory(owned, null);
  }

  private static void removed(List<Path> left, Consumer<String> log) {
    for (Path dir : left) {
      log.accept("work directory: removed " + dir + ", left by a build or run that is gone");
    }
  }

  /**
   * A fresh work directory under {@code dir}, or in the store when {@code dir} is null. Also in the
   * store when {@code needsStoreFileSystem} and {@code dir} is on another file system: cache mounts
   * are renamed between the store and the root file system, which works on one file system only.
   */
  static WorkDirectory open(Store store, Path dir, boolean needsStoreFileSystem, Consumer<String> log)
      throws IOException {
    if (dir == null) {
      return inStore(store, log);
    }
    if (!Files.isDirectory(dir)) {
      throw new BuildException("the work directory " + dir + " (--work-dir, LADING_WORK_DIR) is not a directory");
    }
    if (needsStoreFileSystem && !sameFileSystem(dir, store.root())) {
      log.accept("work directory: the store's, not " + dir + ": RUN --mount=type=cache moves caches"
          + " in and out of the root by rename, which needs the store's file system");
      return inStore(store, log);
    }
    Path mine = dir.resolve("lading-" + StoreDirectory.userName());
    if (!Files.isDirectory(mine, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectory(mine, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another build of this user made it first
      }
    }
    // /proc/self belongs to this process's user: a directory someone else made must not be used.
    if (!Files.getAttribute(mine, "unix:uid", LinkOption.NOFOLLOW_LINKS)
        .equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      throw new BuildException("the work directory " + mine + " belongs to another user; give another --work-dir");
    }
    LentCaches.recoverAbandoned(store, log); // on the store's file system, a cache may be in one of them
    Predicate<Path> holdsACache = store.workAreas().lentCaches();
    sweepByPid(mine, holdsACache, log);
    removed(OwnedTempDirectory.removeAbandoned(mine, holdsACache), log);
    OwnedTempDirectory owned = OwnedTempDirectory.create(mine, "build-");
    return new WorkDirectory(owned, dir);
  }

  /** The directory, empty at first. */
  Path path() {
    return path;
  }

  /**
   * {@code e} itself, or a one-line BuildException saying the work directory is full and what to do,
   * when it is one the user asked for and it has (almost) no room left: a tmpfs sized for shared
   * memory fills long before a disk does, and the step's own error ("No space left on device", or
   * just an exit code) does not say where.
   */
  IOException explain(IOException e) {
    if (requested == null || e.getMessage() != null && e.getMessage().contains("LADING_WORK_DIR")) {
      return e;
    }
    try {
      FileStore fs = Files.getFileStore(path);
      long free = fs.getUsableSpace();
      if (free > Math.max(1L << 20, fs.getTotalSpace() / 100)) {
        return e;
      }
      // The step's first line (which step, which exit code), without the output lines it announces.
      String first = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("")
          .replaceFirst("; its last lines:$", "");
      return new BuildException(first + ": the work directory " + requested + " (" + fs.type() + ", "
          + ByteSize.human(fs.getTotalSpace()) + ") is full; set LADING_WORK_DIR (or --work-dir, Maven:"
          + " <workDirectory>) to a directory on disk", e);
    } catch (IOException unknown) {
      return e;
    }
  }

  /**
   * Starts removing the directory on another thread: once every stage is built nothing reads it, and
   * removing a large root file system takes as long as committing the image, which can run meanwhile.
   * {@link #close()} waits for it.
   */
  void startRemoval() {
    if (removal == null) {
      removal = new CompletableFuture<>();
      DaemonThreads.named("lading-work-removal").newThread(() -> {
        try {
          FileTrees.deleteTree(path);
          removal.complete(null);
        } catch (Throwable e) {
          removal.completeExceptionally(e);
        }
      }).start();
    }
  }

  @Override
  public void close() throws IOException {
    try {
      if (removal != null) {
        Futures.await(removal, "removing " + path);
      }
    } finally {
      owned.close(); // deletes what is left, then the lock file, and gives up the lock
    }
  }

  /**
   * Deletes what builds of this user left, named after their pid by Lading before owned directories,
   * whose process is gone, but for those a cache is still lent into.
   */
  private static void sweepByPid(Path mine, Predicate<Path> holdsACache, Consumer<String> log)
      throws IOException {
    List<Path> left = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(mine)) {
      for (Path entry : entries) {
        Matcher m = NAMED_BY_PID.matcher(entry.getFileName().toString());
        if (m.matches() && !OwnerProcess.mayRun(Long.parseLong(m.group(1)), entry) && !holdsACache.test(entry)) {
          FileTrees.deleteTree(entry);
          left.add(entry);
        }
      }
    }
    removed(left, log);
  }

  private static boolean sameFileSystem(Path a, Path b) throws IOException {
    Object ka = Files.readAttributes(a, "unix:dev").get("dev");
    Object kb = Files.readAttributes(b, "unix:dev").get("dev");
    return ka.equals(kb);
  }
}
