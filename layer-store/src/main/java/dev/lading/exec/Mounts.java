package dev.lading.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether programs can run from where a step's root is: a root on a file system mounted
 * {@code noexec} (Docker mounts {@code /dev/shm} so, a common {@code LADING_WORK_DIR}) fails every
 * step with proot's "execve: Permission denied" and fakechroot's likewise, which names neither the
 * cause nor the fix.
 */
public final class Mounts {
  private Mounts() {}

  /**
   * Fails with what to do when {@code root} is (or, not made yet, would be) on a file system mounted
   * {@code noexec}: a build asks before it unpacks a base for its first RUN, not after.
   */
  public static void requireExec(Path root) throws IOException {
    Path existing = root.toAbsolutePath();
    while (!Files.exists(existing) && existing.getParent() != null) {
      existing = existing.getParent();
    }
    if (noexec(existing.toRealPath())) {
      throw new ExecutorException(root + " is on a file system mounted noexec, where the image's programs"
          + " cannot run; point LADING_WORK_DIR (--work-dir, the plugin's <workDirectory>) at a directory"
          + " on a file system without noexec (Docker mounts /dev/shm noexec)");
    }
  }

  /** Whether the mount {@code dir} is on has the {@code noexec} option (from /proc/self/mountinfo). */
  static boolean noexec(Path dir) throws IOException {
    Path mountinfo = Path.of("/proc/self/mountinfo");
    return Files.isReadable(mountinfo) && noexec(dir, Files.readAllLines(mountinfo, StandardCharsets.UTF_8));
  }

  /** As {@link #noexec(Path)}, from the lines of a mountinfo file. */
  static boolean noexec(Path dir, List<String> mountinfo) {
    String best = null;
    boolean noexec = false;
    for (String line : mountinfo) {
      // ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS ...; the mount point octal-escapes spaces.
      String[] f = line.split(" ");
      if (f.length < 6) {
        continue;
      }
      String point = unescape(f[4]);
      // The longest mount point holding dir; of two at one point, the later one is on top.
      if (dir.startsWith(point) && (best == null || point.length() >= best.length())) {
        best = point;
        noexec = List.of(f[5].split(",")).contains("noexec");
      }
    }
    return noexec;
  }

  private static String unescape(String field) {
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

}
