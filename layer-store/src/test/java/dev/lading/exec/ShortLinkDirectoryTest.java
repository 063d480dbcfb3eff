package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShortLinkDirectoryTest {
  @TempDir Path tmp;

  /** What a killed build left goes; a running one's, anything not ours by name, or more than links stays. */
  @Test
  void aGoneProcesssLinkDirectoriesAreRemovedAndNothingElse() throws Exception {
    Process done = new ProcessBuilder("true").start();
    done.waitFor();
    long gone = done.pid();
    long me = ProcessHandle.current().pid();
    Path target = Files.createDirectories(tmp.resolve("rootfs"));
    Files.writeString(target.resolve("kept"), "x");
    Path left = Files.createDirectory(tmp.resolve("lading-" + gone + "-1"));
    Files.createSymbolicLink(left.resolve("r"), target);
    Files.createSymbolicLink(left.resolve("ld"), target.resolve("kept"));
    Path running = Files.createDirectory(tmp.resolve("lading-" + me + "-2"));
    Files.createSymbolicLink(running.resolve("r"), target);
    Path withAFile = Files.createDirectory(tmp.resolve("lading-" + gone + "-3"));
    Files.writeString(withAFile.resolve("notes"), "not ours to delete");
    Path otherName = Files.createDirectory(tmp.resolve("lading-it-bases"));

    assertEquals(1, ShortLinkDirectory.sweep(tmp));
    assertFalse(Files.exists(left, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.exists(target.resolve("kept")), "never what a link names");
    assertTrue(Files.isDirectory(running));
    assertTrue(Files.isDirectory(withAFile));
    assertTrue(Files.isDirectory(otherName));
  }
}
