package dev.lading.build.dockerfile;

import dev.lading.exec.HostRootedLinks;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A copy of a root file system a build made (a stage's tree for a stage built on it, a read-only
 * cache mount's contents): {@code cp -a} keeps links, times and modes, and shares blocks where the
 * file system can ({@code --reflink=auto}).
 *
 * <p>An unprivileged build's tree holds what its user cannot read: an unpacked base's device nodes
 * are empty mode-0 placeholders, and a step under plain proot may {@code chmod 000} a file. cp
 * cannot open those, so they get owner access for the copy and their modes back afterwards, in
 * both trees (the image's modes are in the ownership record, not on disk, but later steps diff
 * what is on disk).
 */
final class TreeCopy {
  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFREG = 0100000;

  private TreeCopy() {}

  /** Copies the contents of directory {@code from} into the existing directory {@code to}. */
  static void copy(Path from, Path to) throws IOException {
    List<Map.Entry<Path, Integer>> closed = ownerClosed(from);
    try {
      for (Map.Entry<Path, Integer> c : closed) {
        Path path = from.resolve(c.getKey());
        chmod(path, c.getValue() | (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? 0700 : 0600));
      }
      cp(from, to);
      moveLinksInto(from.toRealPath(), to.toRealPath());
      restore(to, closed);
    } catch (IOException | RuntimeException e) {
      try {
        restore(from, closed);
      } catch (IOException | RuntimeException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
    restore(from, closed);
  }

  /** Sets the modes back, children before their directories (a closed directory blocks them). */
  private static void restore(Path root, List<Map.Entry<Path, Integer>> closed) throws IOException {
    for (int i = closed.size() - 1; i >= 0; i--) {
      chmod(root.resolve(closed.get(i).getKey()), closed.get(i).getValue());
    }
  }

  /**
   * What below {@code root} this user owns and cannot read (files) or list and enter (directories),
   * as relative path and mode, parents before children. Directories are opened as they are met, so
   * that the walk can go on below them.
   */
  private static List<Map.Entry<Path, Integer>> ownerClosed(Path root) throws IOException {
    Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    List<Map.Entry<Path, Integer>> closed = new ArrayList<>();
    visit(root, root, me, closed);
    return closed;
  }

  private static void visit(Path root, Path path, Object me, List<Map.Entry<Path, Integer>> closed)
      throws IOException {
    Map<String, Object> attrs = Files.readAttributes(path, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    int mode = (int) attrs.get("mode");
    boolean directory = (mode & S_IFMT) == S_IFDIR;
    if (!directory && (mode & S_IFMT) != S_IFREG) {
      return; // links, FIFOs, devices: cp makes them without reading them
    }
    int needed = directory ? 0500 : 0400;
    if ((mode & needed) != needed && me.equals(attrs.get("uid"))) {
      closed.add(Map.entry(root.relativize(path), mode & 07777));
      if (directory) {
        chmod(path, (mode & 07777) | 0700);
      }
    }
    if (directory) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
        for (Path entry : entries) {
          visit(root, entry, me, closed);
        }
      }
    }
  }

  /**
   * chmod(2) of a file or directory (never a link: only those are listed). Not NOFOLLOW_LINKS:
   * Java does that by opening the file for reading, which is what its mode forbids.
   */
  private static void chmod(Path path, int mode) throws IOException {
    Files.setAttribute(path, "unix:mode", mode);
  }

  private static void cp(Path from, Path to) throws IOException {
    Process p = new ProcessBuilder("cp", "-a", "--reflink=auto", from + "/.", to.toString())
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("copying the stage's files failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while copying a stage");
    }
  }

  /**
   * A link a RUN step made holds fakechroot's host path of its root in front of an absolute target
   * ({@code /real} is stored as {@code FROM/real}, so that the kernel follows it inside the root);
   * in the copy it must name the copy's root, or later steps would reach into the other stage's
   * tree and its layers would hold the other stage's host path.
   */
  private static void moveLinksInto(Path from, Path to) throws IOException {
    String prefix = from.toString();
    Files.walkFileTree(to, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isSymbolicLink()) {
          String target = Files.readSymbolicLink(file).toString();
          if (target.equals(prefix) || target.startsWith(prefix + "/")) {
            HostRootedLinks.retarget(file, to + target.substring(prefix.length()), attrs.lastModifiedTime());
          }
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
