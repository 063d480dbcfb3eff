package dev.lading.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir Path dir;

  @Test
  void deletesAWideAndDeepTreeWithoutFollowingLinks() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "kept");
    Path tree = dir.resolve("tree");
    for (int d = 0; d < 40; d++) {
      Path sub = Files.createDirectories(tree.resolve("d" + d).resolve("deeper/still"));
      for (int f = 0; f < 25; f++) {
        Files.writeString(sub.resolve("f" + f), "x");
        Files.writeString(sub.getParent().resolve("g" + f), "y");
      }
    }
    Files.createSymbolicLink(tree.resolve("link-to-dir"), outside);
    Files.createSymbolicLink(tree.resolve("d3/link-to-file"), outside.resolve("keep"));
    Files.createSymbolicLink(tree.resolve("dangling"), dir.resolve("nothing"));
    Files.createDirectories(tree.resolve("empty/empty"));
    Files.createLink(tree.resolve("d5/hardlink"), tree.resolve("d4/deeper/g1"));

    assertTrue(FileTrees.deleteTree(tree));

    assertFalse(Files.exists(tree, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertEquals("kept", Files.readString(outside.resolve("keep")));
  }

  @Test
  void aFileOrALinkIsDeletedItselfAndAMissingPathIsNoError() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");
    Path target = Files.createDirectories(dir.resolve("target"));
    Files.writeString(target.resolve("inside"), "x");
    Path link = Files.createSymbolicLink(dir.resolve("link"), target);

    assertTrue(FileTrees.deleteTree(file));
    assertTrue(FileTrees.deleteTree(link));
    assertFalse(FileTrees.deleteTree(dir.resolve("missing")));

    assertFalse(Files.exists(file));
    assertTrue(Files.exists(target.resolve("inside")));
  }
}
