package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreDirectoryTest {
  @TempDir Path dir;

  @Test
  void ladingStoreWinsAsGiven() throws IOException {
    StoreDirectory d = StoreDirectory.resolve(Map.of("LADING_STORE", "/srv/store"), "/home/u",
        dir.toString(), "u");
    assertEquals(new StoreDirectory(Path.of("/srv/store"), Optional.empty()), d);
  }

  @Test
  void aWritableHomeIsUsedWithoutNotice() throws IOException {
    StoreDirectory d = StoreDirectory.resolve(Map.of(), dir.toString(), "/tmp", "u");
    assertEquals(dir.resolve(".lading/store"), d.path());
    assertTrue(d.notice().isEmpty());
  }

  @Test
  void aMissingHomeFallsBackToTheCacheDirectoryWithANotice() throws IOException {
    Path cache = Files.createDirectory(dir.resolve("cache"));
    // Below a file, so that it cannot be created even by root (for whom / is writable).
    String home = Files.writeString(dir.resolve("file"), "").resolve("nonexistent").toString();
    StoreDirectory d = StoreDirectory.resolve(Map.of("XDG_CACHE_HOME", cache.toString()),
        home, dir.toString(), "u");
    assertEquals(cache.resolve("lading/store"), d.path());
    String notice = d.notice().orElseThrow();
    assertTrue(notice.contains(home + "/.lading/store"), notice);
    assertTrue(notice.contains("--store") && notice.contains("LADING_STORE"), notice);
  }

  @Test
  void thenToAPrivateDirectoryInTheTempDirectory() throws IOException {
    // A home that cannot hold directories (a file) stands for one that is missing or read-only;
    // unlike a read-only directory it is unusable for root too.
    Path home = Files.writeString(dir.resolve("home"), "");
    StoreDirectory d = StoreDirectory.resolve(Map.of(), home.toString(), dir.toString(), "ci");
    assertEquals(dir.resolve("lading-ci/store"), d.path());
    assertEquals("rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("lading-ci"))));
    assertTrue(d.notice().orElseThrow().contains("is not a directory"), d.notice().get());
  }

  @Test
  void aTempDirectoryOpenToOthersIsRefused() throws IOException {
    Path prepared = Files.createDirectory(dir.resolve("lading-ci"));
    Files.setPosixFilePermissions(prepared, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class,
        () -> StoreDirectory.resolve(Map.of(), "", dir.toString(), "ci"));
    assertTrue(e.getMessage().contains("open to other users"), e.getMessage());
    assertTrue(e.getMessage().contains("LADING_STORE=DIR, --store DIR (lading) or -Dimage.store=DIR (Maven)"),
        e.getMessage());
  }

  @Test
  void aUserWithoutANameIsKnownByItsUid() throws IOException {
    // An arbitrary uid with no passwd entry (OpenShift): Java names it "?", and two of them must not
    // share one per-user directory.
    String saved = System.getProperty("user.name");
    try {
      System.setProperty("user.name", "?");
      assertEquals("uid-" + Files.getAttribute(Path.of("/proc/self"), "unix:uid"), StoreDirectory.userName());
      System.setProperty("user.name", "a b/c");
      assertEquals("a_b_c", StoreDirectory.userName());
    } finally {
      System.setProperty("user.name", saved);
    }
  }
}
