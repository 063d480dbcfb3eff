package dev.lading.exec;

import dev.lading.io.FileTrees;
import dev.lading.io.OwnerProcess;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A new directory in the temp directory ({@code /tmp/lading-<pid>-<n>}) for the short links a step
 * needs (socket paths and #! lines have little room, a root deep in the store may not fit). The step
 * removes it; a killed build cannot, so the first one made by a process also removes those of this
 * user's processes that are gone, when they hold nothing but links (never what the links name).
 */
final class ShortLinkDirectory {
  private static final Pattern NAME = Pattern.compile("lading-(\\d+)-\\d+");
  private static final AtomicBoolean SWEPT = new AtomicBoolean();

  private ShortLinkDirectory() {}

  static Path create() throws IOException {
    Path dir = Files.createTempDirectory("lading-" + ProcessHandle.current().pid() + "-");
    if (SWEPT.compareAndSet(false, true)) {
      try {
        sweep(dir.getParent());
      } catch (IOException | RuntimeException e) {
        // leftovers stay; they are a few bytes each
      }
    }
    return dir;
  }

  /** Removes the directories under {@code tmp} that builds gone left; returns how many. */
  static int sweep(Path tmp) throws IOException {
    Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp, "lading-*")) {
      for (Path entry : entries) {
        Matcher m = NAME.matcher(entry.getFileName().toString());
        if (m.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
            && me.equals(Files.getAttribute(entry, "unix:uid", LinkOption.NOFOLLOW_LINKS))
            && !OwnerProcess.mayRun(Long.parseLong(m.group(1)), entry) && onlyLinks(entry)) {
          FileTrees.deleteTree(entry);
          removed++;
        }
      }
    }
    return removed;
  }

  private static boolean onlyLinks(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (!Files.isSymbolicLink(entry)) {
          return false;
        }
      }
    }
    return true;
  }
}
