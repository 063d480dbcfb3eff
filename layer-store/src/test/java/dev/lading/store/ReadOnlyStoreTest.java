package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.Descriptor;
import dev.lading.testing.ReadOnlyView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/**
 * A store this process cannot write (a read-only mount as root, cleared write bits otherwise) can be
 * read: no write, no failure for bookkeeping; writes fail with the OS's reason and leave nothing.
 */
class ReadOnlyStoreTest {
  @TempDir Path tmp;
  private Path dir;
  private Descriptor image;

  @BeforeEach
  void prepare() throws IOException {
    dir = tmp.resolve("store");
    Store store = Store.open(dir);
    image = TestImages.put(store, "read me");
    store.setRef("app:1", image);
  }

  private ReadOnlyView readOnly() throws IOException {
    return ReadOnlyView.of(dir, tmp.resolve("mnt"));
  }

  @Test
  void readsWorkAndWriteNothing() throws Exception {
    Map<String, String> before = snapshot(dir);
    try (ReadOnlyView view = readOnly()) {
      Store store = Store.open(view.path());
      assertFalse(store.writable());
      assertEquals(image, store.ref("app:1").orElseThrow());
      assertEquals(1, store.refs().size());
      assertEquals(1, store.usage().images().size());
      try (Lease lease = store.lease(); Lease again = store.lease()) {
        assertEquals(image.size(), store.bytes(image.digest()).length);
        assertTrue(Files.isReadable(store.blobPath(TestImages.layer(store, image))));
      }
      store.addOrigin(image.digest(), BlobOrigin.parse("registry.example/app")); // a hint: skipped
      assertTrue(store.origins(image.digest()).isEmpty());
    }
    assertEquals(before, snapshot(dir));
  }

  @Test
  void writesFailWithTheReasonOfTheOsAndLeaveNothing() throws Exception {
    Map<String, String> before = snapshot(dir);
    try (ReadOnlyView view = readOnly()) {
      Store store = Store.open(view.path());
      refused(view, () -> store.put("new".getBytes(StandardCharsets.UTF_8)));
      refused(view, () -> store.setRef("app:2", image));
      refused(view, () -> store.deleteRef("app:1"));
      refused(view, () -> store.gc(Duration.ZERO));
      FileSystemException e = refused(view, store::requireWritable);
      assertEquals(view.path().resolve("blobs/sha256").toString(), e.getFile(), "names the directory");
    }
    assertEquals(before, snapshot(dir));
  }

  /** fsck of a store it cannot write checks everything and reports; it moves and rewrites nothing. */
  @Test
  void fsckOnlyChecks() throws Exception {
    Path layer = Store.open(dir).blobPath(TestImages.layer(Store.open(dir), image));
    Files.writeString(layer, "damaged");
    Files.writeString(dir.resolve("index.json"), "{}");
    Map<String, String> before = snapshot(dir);
    try (ReadOnlyView view = readOnly()) {
      FsckReport report = Store.open(view.path()).fsck();
      assertFalse(report.repaired());
      assertEquals(1, report.quarantined().size());
      assertEquals(null, report.quarantined().get(0).movedTo());
      assertTrue(report.indexRepaired(), "index.json does not match the refs");
      assertFalse(report.clean());
    }
    assertEquals(before, snapshot(dir));
    FsckReport repaired = Store.open(dir).fsck();
    assertTrue(repaired.repaired());
    assertTrue(repaired.quarantined().get(0).movedTo() != null, "a writable store is repaired");
  }

  @Test
  void aLockFileThatIsMissingAndCannotBeMadeDoesNotStopReaders() throws Exception {
    Files.delete(dir.resolve(".lading/locks/lease.lock"));
    try (ReadOnlyView view = readOnly()) {
      Store store = Store.open(view.path());
      try (Lease lease = store.lease()) {
        assertEquals(image, store.ref("app:1").orElseThrow());
      }
      assertFalse(Files.exists(dir.resolve(".lading/locks/lease.lock")));
    }
  }

  /** The read-only channel's shared lock is a real fcntl lock: gc elsewhere waits for it. */
  @Test
  void aReadersLeaseOnAReadOnlyMountKeepsGcOfTheWritableOriginalAway() throws Exception {
    try (ReadOnlyView view = ReadOnlyView.bindMount(dir, tmp.resolve("mnt"))) {
      Store store = Store.open(view.path());
      Process gc;
      try (Lease lease = store.lease()) {
        gc = StoreWorker.start(tmp.resolve("gc.log"), Map.of(), "gc", dir.toString());
        assertFalse(gc.waitFor(1500, TimeUnit.MILLISECONDS), "gc waits for the reader's lease");
      }
      assertTrue(gc.waitFor(60, TimeUnit.SECONDS), "gc runs once the lease is released");
      assertEquals(0, gc.exitValue(), Files.readString(tmp.resolve("gc.log")));
    }
  }

  /** The failure of a write: permission denied (cleared bits) or read-only file system (a mount). */
  private static FileSystemException refused(ReadOnlyView view, Executable write) {
    FileSystemException e = assertThrows(FileSystemException.class, write);
    if (view.mounted()) {
      assertTrue(WriteAccess.isReadOnlyFileSystem(e), e.toString());
    } else {
      assertTrue(e instanceof AccessDeniedException, e.toString());
    }
    return e;
  }

  /** Every path under {@code root} with its size and modification time: any write changes it. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        files.put(root.relativize(p).toString(), Files.isDirectory(p) ? "dir"
            : Files.size(p) + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
      }
    }
    return files;
  }
}
