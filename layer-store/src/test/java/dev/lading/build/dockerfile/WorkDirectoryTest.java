package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.store.OwnedTempDirectory;
import dev.lading.store.Store;
import dev.lading.store.StoreWorkAreas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirectoryTest {
  @TempDir Path dir;

  private final List<String> log = new ArrayList<>();

  @Test
  void withoutASettingItIsATempDirectoryOfTheStore() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    try (WorkDirectory work = WorkDirectory.open(store, null, false, log::add)) {
      assertTrue(work.path().startsWith(store.root()), work.path().toString());
    }
  }

  @Test
  void aSettingGivesAPerUserDirectoryOwnedByThisBuildAndDeletedOnClose() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    Path base = Files.createDirectories(dir.resolve("elsewhere"));
    Path made;
    try (WorkDirectory work = WorkDirectory.open(store, base, false, log::add)) {
      made = work.path();
      assertEquals(base.resolve("lading-" + System.getProperty("user.name")), made.getParent());
      assertTrue(made.getFileName().toString().matches("build-[0-9a-f]{16}"), made.toString());
      assertTrue(Files.exists(made.resolveSibling("." + made.getFileName() + ".owner")), "its lock file");
      assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(made.getParent())));
    }
    try (var left = Files.list(made.getParent())) {
      assertEquals(List.of(), left.toList(), "neither the directory nor its lock file is left");
    }
  }

  @Test
  void anOwnedDirectoryWhoseLockIsFreeIsRemovedALiveOnesKept() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    Path base = elsewhere();
    Path mine = userDirectory(base);
    // A killed build's: its lock file is there, nobody holds it.
    Path dead = Files.createDirectories(mine.resolve("build-00000000deadbeef/stage-0/rootfs"));
    Files.createFile(mine.resolve(".build-00000000deadbeef.owner"));
    try (OwnedTempDirectory live = OwnedTempDirectory.create(mine, "build-");
        WorkDirectory work = WorkDirectory.open(store, base, false, log::add)) {
      assertFalse(Files.exists(mine.resolve("build-00000000deadbeef")), dead.toString());
      assertFalse(Files.exists(mine.resolve(".build-00000000deadbeef.owner")));
      assertTrue(Files.isDirectory(live.path()), "another build's, running");
      assertTrue(log.stream().anyMatch(l -> l.contains("build-00000000deadbeef") && l.contains("gone")), log.toString());
    }
  }

  @Test
  void aRemovalStartedEarlyIsFinishedByClose() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    Path made;
    try (WorkDirectory work = WorkDirectory.open(store, null, false, log::add)) {
      made = work.path();
      for (int i = 0; i < 200; i++) {
        Files.writeString(Files.createDirectories(made.resolve("stage-0/rootfs/d" + i)).resolve("f"), "x");
      }
      work.startRemoval();
      work.startRemoval(); // once is enough
    }
    assertFalse(Files.exists(made), "gone when close returns");
  }

  @Test
  void theDirectoriesOfBuildsWhoseProcessIsGoneAreSweptOthersKept() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    Path base = elsewhere();
    Path mine = userDirectory(base);
    // Above Linux's largest pid_max (2^22): no process has it.
    Path dead = Files.createDirectories(mine.resolve("build-99999999-1/stage-0/rootfs/etc"));
    Path alive = Files.createDirectories(mine.resolve("build-" + ProcessHandle.current().pid() + "-other"));
    Path foreign = Files.createDirectories(mine.resolve("notes"));
    try (WorkDirectory work = WorkDirectory.open(store, base, false, log::add)) {
      assertFalse(Files.exists(dead.getParent().getParent().getParent()));
      assertTrue(Files.isDirectory(alive));
      assertTrue(Files.isDirectory(foreign));
      assertTrue(log.stream().anyMatch(l -> l.contains("build-99999999-1") && l.contains("gone")), log.toString());
    }
  }

  @Test
  void cacheMountsOnAnotherFileSystemFallBackToTheStore() throws IOException {
    Path shm = Path.of("/dev/shm");
    Store store = Store.open(dir.resolve("store"));
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(shm)
        && !Files.getAttribute(shm, "unix:dev").equals(Files.getAttribute(dir, "unix:dev")),
        "needs a writable /dev/shm on another file system than " + dir);
    try (WorkDirectory work = WorkDirectory.open(store, shm, true, log::add)) {
      assertTrue(work.path().startsWith(store.root()), work.path().toString());
      assertTrue(log.get(0).contains("RUN --mount=type=cache"), log.toString());
    }
    try (WorkDirectory work = WorkDirectory.open(store, shm, false, log::add)) {
      assertTrue(work.path().startsWith(shm), work.path().toString());
    }
  }

  @Test
  void cachesThatCannotBeReadFailNoBuild() throws IOException {
    // As another user's caches in a shared store: nothing can be moved back, the build goes on.
    Store store = Store.open(dir.resolve("store"));
    Path caches = store.workAreas().cacheDirectory(CacheEntries.CACHE_NAME);
    Files.createDirectories(caches.getParent());
    Files.writeString(caches, "not a directory");
    try (WorkDirectory work = WorkDirectory.open(store, null, false, log::add)) {
      assertTrue(Files.isDirectory(work.path()));
    }
    assertTrue(log.stream().anyMatch(l -> l.startsWith("cache mounts: cannot read " + caches)), log.toString());
  }

  @Test
  void aCacheThatCannotBeMovedBackKeepsTheDeadBuildsRootAndFailsNoBuild() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    Path base = elsewhere();
    Path mine = userDirectory(base);
    Path dead = Files.createDirectories(mine.resolve("build-99999999-1/stage-0/rootfs"));
    Path lent = Files.createDirectories(dead.resolve("root/.m2"));
    Files.writeString(lent.resolve("settings.xml"), "kept");
    Path entry = Files.createDirectories(store.workAreas().cacheDirectory(CacheEntries.CACHE_NAME).resolve("0a1b"));
    Files.writeString(entry.resolve("data"), "a file where the directory goes back: the move fails");
    Files.writeString(entry.resolve(StoreWorkAreas.LENT_NOTE), lent + "\n" + dead + "\n");
    try (WorkDirectory work = WorkDirectory.open(store, base, false, log::add)) {
      assertEquals("kept", Files.readString(lent.resolve("settings.xml")), "the root holding it is not swept");
    }
    assertTrue(log.stream().anyMatch(l -> l.startsWith("cache mounts: could not move the cache 0a1b back")),
        log.toString());

    Files.delete(entry.resolve("data")); // once it can, the next build moves it back and sweeps the root
    try (WorkDirectory work = WorkDirectory.open(store, base, false, log::add)) {
      assertEquals("kept", Files.readString(entry.resolve("data/settings.xml")));
      assertFalse(Files.exists(mine.resolve("build-99999999-1")));
    }
  }

  @Test
  void aMissingDirectoryIsOneClearError() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    BuildException e = assertThrows(BuildException.class,
        () -> WorkDirectory.open(store, dir.resolve("missing"), false, log::add));
    assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
  }

  @Test
  void anErrorIsKeptAsItIsWhileTheWorkDirectoryHasRoom() throws IOException {
    Store store = Store.open(dir.resolve("store"));
    Path base = Files.createDirectories(dir.resolve("elsewhere"));
    IOException failure = new IOException("exit code 1");
    try (WorkDirectory work = WorkDirectory.open(store, base, false, log::add)) {
      assertSame(failure, work.explain(failure));
    }
  }

  private Path elsewhere() throws IOException {
    return Files.createDirectories(dir.resolve("elsewhere"));
  }

  /** The per-user directory of builds whose setting is {@code base}. */
  private static Path userDirectory(Path base) throws IOException {
    return Files.createDirectories(base.resolve("lading-" + System.getProperty("user.name")));
  }
}
