package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.LayerEntry;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.ReadOnlyView;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store the user cannot write, as a locked-down CI job meets it: prepared by root and read by
 * {@code nobody}, or mounted read-only. Listing, inspecting, copying out and unpacking work and
 * change nothing in it; a copy into it fails with what to do, and leaves nothing behind.
 */
class ReadOnlyStoreIT {
  private static final String TEXT = "from a store this user cannot write\n";

  @TempDir static Path shared;
  private static Path jar;
  private static Path layout;

  @BeforeAll
  static void image() throws IOException {
    jar = AsNobody.jar(shared); // opens shared to everyone, so nobody can write its outputs there
    layout = shared.resolve("layout");
    LayoutImages.oneLayer(layout, "demo", LayerEntry.file("/etc/note.txt",
        TEXT.getBytes(StandardCharsets.UTF_8)));
    Processes.check(List.of("chmod", "-R", "a+rX", layout.toString()), 60);
  }

  /** A store holding {@code demo}, made by the test's own user (root in CI). */
  private static Path storeWithAnImage(String name) throws IOException {
    Path store = shared.resolve(name);
    String copied = new LadingJar(store).ok("copy", "-q", "oci:" + layout + ":demo", "store:demo");
    assertFalse(copied.isBlank());
    Processes.check(List.of("chmod", "-R", "a+rX", store.toString()), 60);
    return store;
  }

  @Test
  void aStorePreparedByRootIsReadByNobodyAndAWriteSaysWhatToDo() throws Exception {
    Path store = storeWithAnImage("roots-store");
    // Without root to switch users, the test's own user reads a store whose write bits are cleared.
    try (ReadOnlyView view = AsNobody.root() ? null : ReadOnlyView.unwritable(store);
        LocalRegistry registry = LocalRegistry.start()) {
      Map<String, Long> before = files(store);
      Nobody nobody = new Nobody(store);

      assertTrue(nobody.ok("store", "ls").contains("docker.io/library/demo:latest"));
      String fsck = nobody.ok("store", "fsck");
      assertTrue(fsck.contains("checking only: this user cannot write " + store) && fsck.contains("clean: "),
          fsck);
      String digest = lastLine(nobody.ok("copy", "-q", "store:demo", "oci:" + shared.resolve("out")
          + ":x"));
      assertTrue(nobody.ok("inspect", "store:demo").contains(digest));
      // A format change makes new manifests, which a read-only store cannot cache: none is needed.
      nobody.ok("copy", "-q", "--format", "docker", "store:demo",
          "docker-archive:" + shared.resolve("demo.tar") + ":demo:1");
      nobody.ok("copy", "-q", "store:demo", "docker://" + registry.hostPort() + "/ro/demo:1");
      nobody.ok("unpack", "-q", "store:demo", shared.resolve("rootfs").toString());
      assertEquals(TEXT, Files.readString(shared.resolve("rootfs/etc/note.txt")));
      assertEquals(digest, lastLine(new LadingJar(shared.resolve("check")).ok("copy", "-q",
          "docker://" + registry.hostPort() + "/ro/demo:1", "oci:" + shared.resolve("back") + ":x")));

      Processes.Result write = nobody.run("copy", "-q", "oci:" + layout + ":demo", "store:other");
      assertEquals(1, write.exitCode(), write.output());
      String me = AsNobody.root() ? "nobody" : System.getProperty("user.name");
      assertTrue(write.output().contains("lading: permission denied: " + store), write.output());
      if (AsNobody.root()) {
        assertTrue(write.output().contains("(owned by root; this runs as nobody): use a store this"
            + " user can write (--store DIR or LADING_STORE), or make this one theirs: chown -R "
            + me + " " + store), write.output());
      }
      assertEquals(before, files(store), "nothing written into the store, nothing left behind");
    }
  }

  /** Commands that only look at a store never create one where there is none (a mistyped path). */
  @Test
  void lookingAtAStoreThatDoesNotExistCreatesNone() throws Exception {
    Path missing = shared.resolve("no-such-store");
    Nobody nobody = new Nobody(missing);
    assertTrue(nobody.ok("store", "ls").contains("there is no store at " + missing + " (it does not exist;"
        + " check $LADING_STORE)"));
    assertTrue(nobody.ok("store", "fsck").contains("nothing to check"));
    Processes.Result export = nobody.run("store", "export", shared.resolve("x.tar").toString());
    assertEquals(1, export.exitCode(), export.output());
    assertTrue(export.output().contains("lading: there is no store at " + missing), export.output());
    assertFalse(Files.exists(missing), "nothing created");
  }

  @Test
  void aStoreOnAReadOnlyMountIsReadEvenByRootAndAWriteSaysSo() throws Exception {
    Path store = storeWithAnImage("mounted-store");
    Map<String, Long> before = files(store);
    try (ReadOnlyView view = ReadOnlyView.bindMount(store, shared.resolve("mnt"))) {
      LadingJar lading = new LadingJar(view.path());
      assertTrue(lading.ok("store", "ls").contains("docker.io/library/demo:latest"));
      lading.ok("copy", "-q", "store:demo", "oci:" + shared.resolve("out-mounted") + ":x");
      lading.ok("unpack", "-q", "store:demo", shared.resolve("rootfs-mounted").toString());
      assertEquals(TEXT, Files.readString(shared.resolve("rootfs-mounted/etc/note.txt")));

      Processes.Result write = lading.run("copy", "-q", "oci:" + layout + ":demo", "store:other");
      assertEquals(1, write.exitCode(), write.output());
      assertTrue(write.output().contains("lading: read-only file system: " + view.path()) && write
          .output().contains("(the store " + view.path() + " is on a read-only file system: it can"
          + " be read, but this command writes; use a writable store"), write.output());
      Processes.Result gc = lading.run("store", "gc");
      assertTrue(gc.exitCode() == 1 && gc.output().contains("is on a read-only file system"),
          gc.output());
    }
    assertEquals(before, files(store));
  }

  /** {@code lading ARGS} as nobody (as the test's user when not root) on one store. */
  private record Nobody(Path store) {
    Processes.Result run(String... args) throws IOException {
      return AsNobody.lading(jar, List.of("LADING_STORE=" + store), List.of(), args);
    }

    String ok(String... args) throws IOException {
      Processes.Result r = run(args);
      assertEquals(0, r.exitCode(), "lading " + String.join(" ", args) + ":\n" + r.output());
      return r.output();
    }
  }

  /** Every file and directory in {@code dir} with its size (-1 for directories). */
  private static Map<String, Long> files(Path dir) throws IOException {
    Map<String, Long> found = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        found.put(dir.relativize(p).toString(), Files.isDirectory(p) ? -1 : Files.size(p));
      }
    }
    return found;
  }

  private static String lastLine(String output) {
    return output.strip().lines().reduce((a, b) -> b).orElse("");
  }
}
