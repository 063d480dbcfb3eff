package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailuresTest {
  @TempDir Path tmp;

  @Test
  void permissionDeniedOnOurOwnPathSaysJustThat() throws Exception {
    Path lock = Files.createDirectories(tmp.resolve("store/.lading/locks")).resolve("index.lock");
    assertEquals("permission denied: " + lock,
        Failures.describe(new AccessDeniedException(lock.toString())));
  }

  @Test
  void permissionDeniedOnAnotherUsersPathSaysWhoseItIsAndForAStoreWhatToDo() throws Exception {
    String me = System.getProperty("user.name");
    if (!me.equals("root")) {
      // Without root nothing can be given away: a path of root's (no store) shows the owner part.
      assertEquals("permission denied: /proc/1/x (owned by root; this runs as " + me + ")",
          Failures.describe(new AccessDeniedException("/proc/1/x")));
      return;
    }
    Path store = Files.createDirectories(tmp.resolve("theirs"));
    Files.writeString(store.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.setOwner(store, store.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
    String path = store + "/.lading/locks/index.lock";
    assertEquals("permission denied: " + path + " (owned by nobody; this runs as root): use a store"
        + " this user can write (--store DIR or LADING_STORE), or make this one theirs: chown -R root "
        + store,
        Failures.describe(new AccessDeniedException(path)));
    Path other = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.setOwner(other, store.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
    assertEquals("permission denied: " + other + "/f (owned by nobody; this runs as root)",
        Failures.describe(new AccessDeniedException(other + "/f")));
  }

  @Test
  void aReadOnlyFileSystemSaysTheStoreCanOnlyBeRead() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("mounted"));
    Files.writeString(store.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    String lock = store + "/.lading/locks/lease.lock";
    assertEquals("read-only file system: " + lock + " (the store " + store + " is on a read-only"
        + " file system: it can be read, but this command writes; use a writable store (--store DIR"
        + " or LADING_STORE))",
        Failures.describe(new FileSystemException(lock, null, "Read-only file system")));
  }
}
