package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.RootfsDiff;
import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostRootedLinksTest {
  @TempDir Path dir;

  private static String target(Path link) throws IOException {
    return Files.readSymbolicLink(link).toString();
  }

  private static FileTime mtime(Path path) throws IOException {
    return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void absoluteTargetsGetTheRootsHostPathAndNothingElseChanges() throws IOException {
    Path root = Files.createDirectories(dir.resolve("root")).toRealPath();
    Path etc = Files.createDirectories(root.resolve("etc"));
    Files.writeString(etc.resolve("marker"), "image");
    Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc/marker"));
    Files.createSymbolicLink(root.resolve("rel"), Path.of("etc/marker"));
    Files.createSymbolicLink(etc.resolve("mtab"), Path.of("/proc/self/mounts"));
    Files.createSymbolicLink(root.resolve("made-by-a-step"), Path.of(root + "/etc/marker"));
    FileTime old = FileTime.fromMillis(1_000_000_000_000L);
    Files.getFileAttributeView(root.resolve("abs"), java.nio.file.attribute.BasicFileAttributeView.class,
        LinkOption.NOFOLLOW_LINKS).setTimes(old, null, null);
    Files.setLastModifiedTime(root, old);
    RootfsSnapshot before = RootfsSnapshot.take(root);

    List<String> changed = HostRootedLinks.rootLinks(before);

    assertEquals(List.of("/abs", "/"), changed);
    assertEquals(root + "/etc/marker", target(root.resolve("abs")));
    assertEquals("image", Files.readString(root.resolve("abs")), "followed inside the root");
    assertEquals("etc/marker", target(root.resolve("rel")));
    assertEquals("/proc/self/mounts", target(etc.resolve("mtab")), "the host's, as fakechroot shows it");
    assertEquals(root + "/etc/marker", target(root.resolve("made-by-a-step")));
    assertEquals(old, mtime(root.resolve("abs")));
    assertEquals(old, mtime(root), "the directory's time, which a later layer records");
    try (var entries = Files.list(root)) {
      assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".lading-link-")));
    }
    // The refreshed snapshot is the tree: a step that does nothing makes an empty layer, and a
    // layer holding the link names the image's target.
    RootfsSnapshot refreshed = before.refreshed(changed);
    assertTrue(RootfsDiff.between(refreshed, RootfsSnapshot.take(root), null, null, null).entries().isEmpty());
    assertTrue(HostRootedLinks.root(refreshed) == refreshed, "nothing left to root: the same snapshot");
    assertEquals("/etc/marker", RootfsDiff.containerTarget(root, target(root.resolve("abs"))));
    assertEquals(List.of(), HostRootedLinks.rootLinks(RootfsSnapshot.take(root)), "done once");
  }

  @Test
  void aTargetJavaWouldNormaliseIsKeptByteForByte() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root2")).toRealPath();
    Files.createDirectories(root.resolve("opt/app"));
    Path link = root.resolve("app");
    new ProcessBuilder("ln", "-s", "/opt//app/", link.toString()).start().waitFor(10,
        java.util.concurrent.TimeUnit.SECONDS);
    HostRootedLinks.rootLinks(RootfsSnapshot.take(root));
    Process readlink = new ProcessBuilder("readlink", "-n", link.toString()).start();
    assertEquals(root + "/opt//app/", new String(readlink.getInputStream().readAllBytes()));
  }
  @Test
  void aDirectoryMovedInIsRootedAndUnrootedBeforeItLeaves() throws IOException {
    Path root = Files.createDirectories(dir.resolve("root")).toRealPath();
    Path cache = Files.createDirectories(root.resolve("cache/deep"));
    Files.createSymbolicLink(cache.resolve("plain"), Path.of("/etc/marker"));
    Files.createSymbolicLink(cache.resolve("made-by-a-step"), Path.of(root + "/etc/marker"));
    Files.createSymbolicLink(cache.resolve("rel"), Path.of("../x"));
    Files.createSymbolicLink(cache.resolve("dev"), Path.of("/dev/null"));

    HostRootedLinks.rootUnder(root.resolve("cache"), root);
    assertEquals(root + "/etc/marker", target(cache.resolve("plain")));
    assertEquals(root + "/etc/marker", target(cache.resolve("made-by-a-step")));
    assertEquals("../x", target(cache.resolve("rel")));
    assertEquals("/dev/null", target(cache.resolve("dev")));

    HostRootedLinks.unrootUnder(root.resolve("cache"), root);
    assertEquals("/etc/marker", target(cache.resolve("plain")));
    assertEquals("/etc/marker", target(cache.resolve("made-by-a-step")), "the next build's root is elsewhere");
    assertEquals("../x", target(cache.resolve("rel")));
    assertEquals("/dev/null", target(cache.resolve("dev")));
  }
}
