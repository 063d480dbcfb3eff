package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCopyTest {
  @TempDir Path dir;

  private static int mode(Path path) throws IOException {
    return (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private static void chmod(Path path, int mode) throws IOException {
    Files.setAttribute(path, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void whatTheOwnerCannotReadIsCopiedAndKeepsItsModeInBothTrees() throws IOException {
    // An unprivileged unpack's device placeholder (an empty mode-0 file), a file a step closed,
    // a directory nobody may enter holding a file: cp -a alone fails on each as a non-root user.
    Path from = Files.createDirectories(dir.resolve("from"));
    Path placeholder = Files.createDirectories(from.resolve("dev")).resolve("null");
    Files.createFile(placeholder);
    chmod(placeholder, 0);
    Path secret = Files.writeString(from.resolve("secret"), "s");
    chmod(secret, 0200);
    Path vault = Files.createDirectories(from.resolve("vault/inner"));
    Files.writeString(vault.resolve("f"), "f");
    chmod(vault.getParent(), 0);
    Path plain = Files.writeString(from.resolve("plain"), "p");
    chmod(plain, 0644);
    Files.createSymbolicLink(from.resolve("link"), Path.of("plain"));
    // As fakechroot writes a step's absolute link: the root's host path in front.
    Path rooted = Files.createSymbolicLink(from.resolve("rooted"), Path.of(from.toRealPath() + "/plain"));
    java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
    Files.getFileAttributeView(rooted, java.nio.file.attribute.BasicFileAttributeView.class,
        LinkOption.NOFOLLOW_LINKS).setTimes(old, null, null);
    Path to = Files.createDirectories(dir.resolve("to"));

    TreeCopy.copy(from, to);

    for (Path root : new Path[] {from, to}) {
      assertEquals(0, mode(root.resolve("dev/null")), root.toString());
      assertEquals(0200, mode(root.resolve("secret")), root.toString());
      assertEquals(0, mode(root.resolve("vault")), root.toString());
      assertEquals(0644, mode(root.resolve("plain")), root.toString());
    }
    chmod(to.resolve("vault"), 0755);
    chmod(to.resolve("secret"), 0600);
    assertEquals("f", Files.readString(to.resolve("vault/inner/f")));
    assertEquals("s", Files.readString(to.resolve("secret")));
    assertEquals(0, Files.size(to.resolve("dev/null")));
    assertTrue(Files.isSymbolicLink(to.resolve("link")));
    assertEquals(Path.of("plain"), Files.readSymbolicLink(to.resolve("link")));
    assertEquals(Path.of(to.toRealPath() + "/plain"), Files.readSymbolicLink(to.resolve("rooted")),
        "the copy's own root");
    assertEquals(old, Files.getLastModifiedTime(to.resolve("rooted"), LinkOption.NOFOLLOW_LINKS));
    chmod(from.resolve("vault"), 0755); // so that @TempDir can remove it
  }
}
