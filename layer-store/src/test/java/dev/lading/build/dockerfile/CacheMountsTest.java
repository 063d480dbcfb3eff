package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.dockerfile.Instruction.CacheMount;
import dev.lading.store.CacheLock;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache mounts on a real store and root, without an executor: what a step would see, and after. */
class CacheMountsTest {
  @TempDir Path dir;
  private Store store;
  private Path rootfs;
  private Path work;
  private final List<String> log = new ArrayList<>();

  @BeforeEach
  void aRootWithADirectoryAtTheTarget() throws IOException {
    store = Store.open(dir.resolve("store"));
    work = store.workAreas().newTempDirectory("test-");
    rootfs = Files.createDirectories(work.resolve("rootfs"));
    Files.createDirectories(rootfs.resolve("var/cache/app"));
    Files.writeString(rootfs.resolve("var/cache/app/keep.txt"), "from the image\n");
    Files.setLastModifiedTime(rootfs.resolve("var/cache"), FileTime.fromMillis(1_000_000));
  }

  private static CacheMount mount(String target, String id, String sharing) {
    return new CacheMount(target, Optional.ofNullable(id), sharing, false, Optional.empty(),
        Optional.empty(), Optional.empty());
  }

  private CacheMounts.Mounted mountIn(boolean binds, CacheMount... mounts) throws IOException {
    return new CacheMounts(store, work, log::add).mount(List.of(mounts), rootfs, "/", binds, null);
  }

  /** A seed that copies {@code from} and counts its copies. */
  private static final class CountingSeed implements CacheEntries.Seed {
    final Path from;
    final String identity;
    int copies;

    CountingSeed(Path from, String identity) {
      this.from = from;
      this.identity = identity;
    }

    @Override
    public String identity() {
      return identity;
    }

    @Override
    public void copyTo(Path dir) throws IOException {
      copies++;
      Files.createDirectories(dir);
      TreeCopy.copy(from, dir);
    }
  }

  @Test
  void aSeededCacheStartsAsItsSeedThenKeepsWhatStepsWrite() throws IOException {
    Path deps = Files.createDirectories(dir.resolve("deps"));
    Files.writeString(deps.resolve("module.jar"), "v1");
    CountingSeed seed = new CountingSeed(deps, "stage 1 /deps");
    for (boolean binds : List.of(false, true)) {
      CacheMounts.Mounted m = new CacheMounts(store, work, log::add).start(rootfs, null);
      m.add(mount("/var/cache/app", "mod", "locked"), "/", binds, seed);
      Path seen = binds ? m.binds().get(0).source() : rootfs.resolve("var/cache/app");
      assertEquals("v1", Files.readString(seen.resolve("module.jar")));
      Files.writeString(seen.resolve("built-" + binds), "x");
      m.close();
    }
    assertEquals(1, seed.copies, "copied when the cache is new, not again");
    try (CacheMounts.Mounted m = new CacheMounts(store, work, log::add).start(rootfs, null)) {
      m.add(mount("/var/cache/app", "mod", "locked"), "/", false, seed);
      assertTrue(Files.exists(rootfs.resolve("var/cache/app/built-false")));
      assertTrue(Files.exists(rootfs.resolve("var/cache/app/built-true")));
    }

    // Another seed (the stage changed) is another cache, as BuildKit keys it; the id alone, a third.
    CountingSeed changed = new CountingSeed(deps, "stage 2 /deps");
    try (CacheMounts.Mounted m = new CacheMounts(store, work, log::add).start(rootfs, null)) {
      m.add(mount("/var/cache/app", "mod", "locked"), "/", false, changed);
      assertFalse(Files.exists(rootfs.resolve("var/cache/app/built-false")));
      assertTrue(Files.exists(rootfs.resolve("var/cache/app/module.jar")));
    }
    try (CacheMounts.Mounted m = mountIn(false, mount("/var/cache/app", "mod", "locked"))) {
      try (var entries = Files.list(rootfs.resolve("var/cache/app"))) {
        assertEquals(List.of(), entries.toList());
      }
    }
    BuildCaches.Pruned pruned = BuildCaches.prune(store, "mod");
    assertEquals(List.of("mod", "mod", "mod"), pruned.removed(), "pruned by the id it was given");
  }

  @Test
  void aSeedThatFailsLeavesNoHalfCache() throws IOException {
    CacheEntries.Seed failing = new CacheEntries.Seed() {
      @Override
      public String identity() {
        return "stage 1 /x";
      }

      @Override
      public void copyTo(Path to) throws IOException {
        Files.createDirectories(to);
        Files.writeString(to.resolve("half"), "x");
        throw new IOException("disk full");
      }
    };
    CacheMounts.Mounted m = new CacheMounts(store, work, log::add).start(rootfs, null);
    assertThrows(IOException.class, () -> m.add(mount("/var/cache/app", "mod", "locked"), "/", false, failing));
    m.close();
    Path entry = store.workAreas().cacheDirectory(CacheEntries.CACHE_NAME)
        .resolve(CacheEntries.entryName("mod\0stage 1 /x"));
    assertFalse(Files.exists(entry.resolve("data")), "no data until the copy is whole");
    CountingSeed seed = new CountingSeed(Files.createDirectories(dir.resolve("empty")), "stage 1 /x");
    try (CacheMounts.Mounted again = new CacheMounts(store, work, log::add).start(rootfs, null)) {
      again.add(mount("/var/cache/app", "mod", "locked"), "/", false, seed);
      assertFalse(Files.exists(rootfs.resolve("var/cache/app/half")), "the killed copy's leftovers went");
    }
  }

  @Test
  void withoutBindsTheCacheIsRenamedIntoTheRootAndTheImagesDirectoryComesBack() throws IOException {
    try (CacheMounts.Mounted m = mountIn(false, mount("/var/cache/app", "app", "locked"))) {
      assertTrue(m.binds().isEmpty());
      assertFalse(Files.exists(rootfs.resolve("var/cache/app/keep.txt")), "the step sees the cache only");
      Files.writeString(rootfs.resolve("var/cache/app/log"), "one\n");
    }
    assertEquals("from the image\n", Files.readString(rootfs.resolve("var/cache/app/keep.txt")));
    assertFalse(Files.exists(rootfs.resolve("var/cache/app/log")));
    assertEquals(FileTime.fromMillis(1_000_000), Files.getLastModifiedTime(rootfs.resolve("var/cache")),
        "the renames leave no trace the diff would see");
    try (CacheMounts.Mounted m = mountIn(false, mount("/var/cache/app", "app", "locked"))) {
      assertEquals("one\n", Files.readString(rootfs.resolve("var/cache/app/log")), "kept for the next step");
    }
  }

  @Test
  void aStepsOwnFileHidesTheImagesFileAndIsDroppedAfterTheStep() throws IOException {
    Files.writeString(rootfs.resolve("var/cache/app/conf"), "the image's\n");
    CacheMounts mounts = new CacheMounts(store, work, log::add);
    try (CacheMounts.Mounted m = mounts.start(rootfs, null)) {
      Path file = m.temporary("bind-");
      Files.writeString(file, "the step's\n");
      m.addCopy(file, "/var/cache/app/conf", "/", java.util.Map.of());
      Path dirCopy = Files.createDirectory(m.temporary("tmpfs-"));
      m.addCopy(dirCopy, "new/place", "/w", java.util.Map.of());
      assertEquals("the step's\n", Files.readString(rootfs.resolve("var/cache/app/conf")));
      assertTrue(Files.isDirectory(rootfs.resolve("w/new/place")), "relative targets are under the workdir");
      Files.writeString(rootfs.resolve("w/new/place/scratch"), "dropped");
      assertEquals(List.of("/var/cache/app/conf", "/w/new/place"), m.targets());
    }
    assertEquals("the image's\n", Files.readString(rootfs.resolve("var/cache/app/conf")));
    assertFalse(Files.exists(rootfs.resolve("w/new")), "the mount point and its made parents are removed");
    assertTrue(Files.isDirectory(rootfs.resolve("w")), "the working directory stays: a step makes it anyway");
    assertEquals(FileTime.fromMillis(1_000_000), Files.getLastModifiedTime(rootfs.resolve("var/cache")));
    try (var left = Files.list(work.resolve("mounts"))) {
      assertEquals(List.of(), left.toList(), "the step's copies and what was moved aside are deleted");
    }
  }

  @Test
  void withBindsTheRootIsLeftAloneAndAMountPointMadeForTheStepIsRemoved() throws IOException {
    try (CacheMounts.Mounted m = mountIn(true, mount("/opt/new/dir", null, "shared"))) {
      assertEquals(1, m.binds().size());
      assertEquals("/opt/new/dir", m.binds().get(0).target());
      assertTrue(Files.isDirectory(rootfs.resolve("opt/new/dir")), "proot binds onto an existing path");
      Files.writeString(m.binds().get(0).source().resolve("f"), "x");
    }
    assertFalse(Files.exists(rootfs.resolve("opt")), "no mount point is left behind");
    try (CacheMounts.Mounted m = mountIn(true, mount("/opt/new/dir", null, "shared"))) {
      assertEquals("x", Files.readString(m.binds().get(0).source().resolve("f")),
          "the id defaults to the target");
    }
  }

  @Test
  void privateGivesAnEmptyThrowAwayDirectoryWhileTheCacheIsInUse() throws IOException {
    try (CacheMounts.Mounted first = mountIn(true, mount("/c", "p", "private"))) {
      Files.writeString(first.binds().get(0).source().resolve("f"), "kept");
    }
    try (CacheLock held = store.workAreas().lockCacheEntry(CacheEntries.CACHE_NAME, CacheEntries.entryName("p"), false, true);
        CacheMounts.Mounted m = mountIn(true, mount("/c", "p", "private"))) {
      Path source = m.binds().get(0).source();
      try (var files = Files.list(source)) {
        assertEquals(0, files.count(), "a new, empty directory");
      }
      assertTrue(log.get(0).contains("sharing=private"), log.toString());
    }
    try (CacheMounts.Mounted m = mountIn(true, mount("/c", "p", "private"))) {
      assertEquals("kept", Files.readString(m.binds().get(0).source().resolve("f")));
    }
  }

  @Test
  void lockedWaitsUntilTheOtherUserIsDone() throws Exception {
    CacheLock held = store.workAreas().lockCacheEntry(CacheEntries.CACHE_NAME, CacheEntries.entryName("l"), false, true);
    CompletableFuture<Void> step = CompletableFuture.runAsync(() -> {
      try (CacheMounts.Mounted m = mountIn(false, mount("/c", "l", "locked"))) {
        Files.writeString(rootfs.resolve("c/f"), "after");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThrows(TimeoutException.class, () -> step.get(500, TimeUnit.MILLISECONDS), "it waits");
    held.close();
    step.get(30, TimeUnit.SECONDS);
    assertTrue(log.get(0).startsWith("waiting for cache l"), log.toString());
  }

  @Test
  void twoMountsOfOneStepWithOneIdAreRefusedAndUndone() {
    BuildException e = assertThrows(BuildException.class,
        () -> mountIn(false, mount("/a", "same", "locked"), mount("/b", "same", "locked")));
    assertTrue(e.getMessage().contains("two mounts of one step use the cache same"), e.getMessage());
    assertFalse(Files.exists(rootfs.resolve("a")), "the first mount was undone");
  }
}
