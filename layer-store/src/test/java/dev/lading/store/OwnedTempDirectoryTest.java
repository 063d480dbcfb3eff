package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnedTempDirectoryTest {
  @TempDir Path dir;

  private Store store() throws Exception {
    return Store.open(dir.resolve("store"));
  }

  /** What an owner killed with SIGKILL leaves in {@code tmp}: its directory and a free lock file. */
  private static Path abandoned(Path tmp) throws IOException {
    Path left = Files.createDirectories(tmp.resolve("build-0123456789abcdef"));
    Files.createFile(tmp.resolve(".build-0123456789abcdef.owner"));
    return left;
  }

  @Test
  void aLiveOwnersDirectoryIsKeptWhateverItsAgeAndGoesWhenClosed() throws Exception {
    Store store = store();
    OwnedTempDirectory owned = store.workAreas().newOwnedTempDirectory("build-");
    Files.writeString(owned.path().resolve("rootfs"), "x");
    Files.setLastModifiedTime(owned.path(), FileTime.from(Instant.now().minus(Duration.ofDays(3))));
    assertEquals(List.of(), store.workAreas().removeAbandonedTempDirectories(), "its owner, this JVM, still runs");
    store.removeStaleTempFiles(Duration.ZERO);
    store.fsck(Duration.ZERO);
    assertTrue(Files.isRegularFile(owned.path().resolve("rootfs")), "neither an age limit nor fsck takes it");

    owned.close();
    assertFalse(Files.exists(owned.path()));
    try (var left = Files.list(owned.path().getParent())) {
      assertEquals(List.of(), left.toList(), "no lock file is left either");
    }
  }

  @Test
  void aKilledOwnersDirectoryIsRemovedByTheNextSweepAndOnlyThen() throws Exception {
    Store store = store();
    Process worker = StoreWorker.start(null, Map.of(), "owned", store.root().toString());
    Path left;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertTrue(line != null && line.startsWith("at "), "the worker said: " + line);
      left = Path.of(line.substring(3));
      assertEquals(List.of(), store.workAreas().removeAbandonedTempDirectories(), "the other process still runs");
      assertTrue(Files.exists(left.resolve("file")));
    } finally {
      worker.destroyForcibly(); // SIGKILL: no cleanup of its own
      assertTrue(worker.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(List.of(left), store.workAreas().removeAbandonedTempDirectories());
    assertFalse(Files.exists(left));
    try (var rest = Files.list(left.getParent())) {
      assertEquals(List.of(), rest.toList(), "its lock file went with it");
    }
  }

  @Test
  void whatCannotBeLockedOrDeletedIsLeftWithoutFailingTheSweep() throws Exception {
    // Another user's lock file cannot be opened for writing; a directory in its place fails the same way.
    Store store = store();
    Path tmp = store.workAreas().newTempDirectory("x-").getParent();
    Path foreign = Files.createDirectories(tmp.resolve("build-0123456789abcdef"));
    Files.createDirectories(tmp.resolve(".build-0123456789abcdef.owner"));
    OwnedTempDirectory owned = store.workAreas().newOwnedTempDirectory("build-");
    owned.close(); // a lock file without a directory, like one an owner killed in between leaves
    Files.createFile(tmp.resolve(".build-fedcba9876543210.owner"));
    assertEquals(List.of(), store.workAreas().removeAbandonedTempDirectories());
    assertTrue(Files.isDirectory(foreign), "left to its owner");
    assertFalse(Files.exists(tmp.resolve(".build-fedcba9876543210.owner")), "a free lock file alone goes");
  }

  @Test
  void anUnownedTempDirectoryStillGoesByAgeAlone() throws Exception {
    Store store = store();
    Path plain = store.workAreas().newTempDirectory("pull-");
    assertEquals(List.of(), store.workAreas().removeAbandonedTempDirectories(), "not owned: not the sweep's");
    Files.setLastModifiedTime(plain, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
    assertTrue(store.removeStaleTempFiles(Duration.ofHours(1)).contains(plain));
  }

  @Test
  void anAbandonedDirectoryHoldingALentCacheIsKeptUntilTheCacheIsBack() throws Exception {
    // What a build killed during a RUN --mount=type=cache step leaves: the cache's data in its root.
    Store store = store();
    Path tmp = store.workAreas().newTempDirectory("x-").getParent();
    Path left = abandoned(tmp);
    Path data = Files.createDirectories(left.resolve("rootfs/root/.m2"));
    Files.writeString(data.resolve("settings.xml"), "kept");
    Path entry = Files.createDirectories(store.workAreas().cacheDirectory("mounts").resolve("0a1b"));
    Path note = entry.resolve(StoreWorkAreas.LENT_NOTE);
    Files.writeString(note, data + "\n" + left.resolve("rootfs") + "\n");

    assertEquals(List.of(), store.workAreas().removeAbandonedTempDirectories());
    store.fsck(Duration.ZERO);
    store.removeStaleTempFiles(Duration.ZERO);
    assertEquals("kept", Files.readString(data.resolve("settings.xml")), "neither a build's sweep nor fsck takes it");

    Files.move(data, entry.resolve("data")); // the next build moves it back, then deletes the note
    Files.delete(note);
    assertEquals(List.of(left), store.workAreas().removeAbandonedTempDirectories());
    assertFalse(Files.exists(tmp.resolve(".build-0123456789abcdef.owner")));
  }

  @Test
  void whenTheCachesCannotBeReadEveryAbandonedDirectoryIsKept() throws Exception {
    // Whether a cache is lent into it cannot be known: the sweep keeps it and fails nothing.
    Store store = store();
    Path tmp = store.workAreas().newTempDirectory("x-").getParent();
    Path left = abandoned(tmp);
    Path caches = store.workAreas().cacheDirectory("mounts").getParent();
    Files.createDirectories(caches.getParent());
    Files.writeString(caches, "not a directory"); // unlistable, as another user's would be
    assertEquals(List.of(), store.workAreas().removeAbandonedTempDirectories());
    assertTrue(Files.isDirectory(left));
    Files.delete(caches);
    assertEquals(List.of(left), store.workAreas().removeAbandonedTempDirectories());
  }
}
