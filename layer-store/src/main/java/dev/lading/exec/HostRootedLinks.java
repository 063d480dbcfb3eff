package dev.lading.exec;

import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.RootfsDiff;
import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Absolute symlinks of a root made to name the root's host path, for fakechroot.
 *
 * <p>fakechroot translates the paths a program passes to libc, but the kernel follows the links it
 * meets on the way, and an absolute target is followed from the host's {@code /}. A link an image's
 * layer holds ({@code /usr/lib/jvm/.../cacerts -> /etc/ssl/certs/java/cacerts}, everything in
 * {@code /etc/alternatives}) would make a step read the host's file: Java's trust store, the host's
 * alternatives. fakechroot itself writes the links a step makes with the root's host path in front
 * ({@code ROOT/etc/ssl/...}), which the kernel follows inside the root and fakechroot's readlink
 * shows without it; this gives the links from the layers the same form. Layers never see it:
 * {@link dev.lading.layer.RootfsDiff#containerTarget} takes it off again. Targets in {@code /dev},
 * {@code /proc} and {@code /sys} stay as they are: fakechroot shows the host's there.
 */
public final class HostRootedLinks {
  private static final List<String> HOST_PATHS = List.of("/dev", "/proc", "/sys");
  private static final SecureRandom RANDOM = new SecureRandom();

  private HostRootedLinks() {}

  /**
   * Rewrites the absolute links of the tree {@code snapshot} was taken of that do not yet name its
   * root, and returns the tree as it is then: {@code snapshot} itself when nothing changed, else it
   * with the paths changed read again (no second walk).
   */
  public static RootfsSnapshot root(RootfsSnapshot snapshot) throws IOException {
    List<String> changed = rootLinks(snapshot);
    return changed.isEmpty() ? snapshot : snapshot.refreshed(changed);
  }

  /**
   * {@link #root}'s work: returns the in-root paths it changed, the links and their directories.
   * Each link is replaced by a rename (never missing, even for a moment), and it and its directory
   * keep their modification times.
   */
  static List<String> rootLinks(RootfsSnapshot snapshot) throws IOException {
    Path root = snapshot.root();
    String prefix = root.toString();
    List<String> rooted = new ArrayList<>();
    Set<String> parents = new TreeSet<>();
    for (Map.Entry<String, RootfsSnapshot.Stat> e : snapshot.entries().entrySet()) {
      RootfsSnapshot.Stat stat = e.getValue();
      String target = stat.linkTarget();
      if (stat.kind() != Kind.SYMLINK || !needsRoot(target, prefix)) {
        continue;
      }
      retarget(root.resolve(e.getKey().substring(1)), prefix + target, stat.mtime());
      rooted.add(e.getKey());
      parents.add(e.getKey().substring(0, Math.max(1, e.getKey().lastIndexOf('/'))));
    }
    // The renames moved their directories' times, which a later step's layer would record.
    for (String parent : parents) {
      RootfsSnapshot.Stat stat = snapshot.entries().get(parent);
      if (stat != null) {
        setMtime(root.resolve(parent.substring(1)), stat.mtime());
        rooted.add(parent);
      }
    }
    return rooted;
  }

  /**
   * Gives the absolute links under {@code dir}, a directory moved into {@code root} from outside (a
   * cache mount), the root's host path in front, as {@link #root} does for the root's own links.
   */
  public static void rootUnder(Path dir, Path root) throws IOException {
    String prefix = root.toString();
    rewriteUnder(dir, target -> needsRoot(target, prefix) ? prefix + target : target);
  }

  /**
   * Whether a link to {@code target} wants the root's path {@code prefix} in front: it is absolute
   * and names neither the root nor the host's {@code /dev}, {@code /proc} or {@code /sys}.
   */
  private static boolean needsRoot(String target, String prefix) {
    return target.startsWith("/") && !target.equals(prefix) && !target.startsWith(prefix + "/")
        && !onTheHost(target);
  }

  /**
   * Takes the root's host path off the links under {@code dir} again, before it leaves {@code
   * root}: the links a fakechroot step made there name this build's root, and the next build's is
   * elsewhere (they would name nothing, or another build's files).
   */
  public static void unrootUnder(Path dir, Path root) throws IOException {
    rewriteUnder(dir, target -> RootfsDiff.containerTarget(root, target));
  }

  private static void rewriteUnder(Path dir, UnaryOperator<String> retargeting) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isSymbolicLink()) {
          String target = Files.readSymbolicLink(file).toString();
          String wanted = retargeting.apply(target);
          if (!wanted.equals(target)) {
            retarget(file, wanted, attrs.lastModifiedTime());
          }
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE; // a directory the step made unreadable: its links stay
      }
    });
  }

  /**
   * Points the symlink {@code link} at exactly {@code target}, by a rename over it (it is never
   * missing, even for a moment), with modification time {@code mtime}. Its directory's time moves.
   */
  public static void retarget(Path link, String target, FileTime mtime) throws IOException {
    Path temporary = link.resolveSibling(".lading-link-" + Long.toHexString(RANDOM.nextLong()));
    makeLink(temporary, target);
    setMtime(temporary, mtime);
    Files.move(temporary, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void setMtime(Path path, FileTime mtime) throws IOException {
    Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setTimes(mtime, null, null);
  }

  private static boolean onTheHost(String target) {
    for (String path : HOST_PATHS) {
      if (target.equals(path) || target.startsWith(path + "/")) {
        return true;
      }
    }
    return false;
  }

  /** A link to exactly {@code target}: Java's own would drop a trailing slash or a doubled one. */
  private static void makeLink(Path link, String target) throws IOException {
    if (Path.of(target).toString().equals(target)) {
      Files.createSymbolicLink(link, Path.of(target));
      return;
    }
    Process p = new ProcessBuilder("ln", "-s", "--", target, link.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("cannot make the link " + link + ": " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while making the link " + link);
    }
  }
}
