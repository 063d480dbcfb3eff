package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessLocksTest {
  @TempDir Path dir;

  @Test
  void oneStoreOpenedThroughASymlinkAndItsRealPathSharesItsLocks() throws Exception {
    // A Maven build whose modules name the store differently, or the mirror and a build in one JVM.
    Store real = Store.open(dir.resolve("store"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("store"));
    Store linked = Store.open(link);
    try (CacheLock held = real.workAreas().lockCacheEntry("steps", "a", false, false)) {
      assertNotNull(held);
      // Before: a second channel on the same file, and OverlappingFileLockException.
      assertNull(linked.workAreas().lockCacheEntry("steps", "a", false, false), "held through the other name");
      assertNull(linked.workAreas().lockCacheEntry("steps", "a", true, false));
    }
    try (CacheLock first = linked.workAreas().lockCacheEntry("steps", "a", true, false);
        CacheLock second = real.workAreas().lockCacheEntry("steps", "a", true, false)) {
      assertNotNull(first);
      assertNotNull(second, "shared holders share one OS lock");
    }
  }

  @Test
  void aLockFileInDirectoriesNotYetMadeIsKeyedAsOnceTheyExist() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("link"), Files.createDirectories(dir.resolve("real")));
    ProcessLocks.Held held = ProcessLocks.JVM.tryAcquire(link.resolve("new/dir/x.lock"), false);
    assertNotNull(held);
    try (held) {
      assertNull(ProcessLocks.JVM.tryAcquire(dir.resolve("real/new/dir/x.lock"), false));
    }
    try (ProcessLocks.Held again = ProcessLocks.JVM.tryAcquire(dir.resolve("real/new/dir/x.lock"), false)) {
      assertNotNull(again);
    }
  }
}
