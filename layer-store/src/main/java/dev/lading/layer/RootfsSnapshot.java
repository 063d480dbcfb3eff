package dev.lading.layer;

import dev.lading.layer.OwnershipMap.Kind;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a root file system holds, path by path, without reading file contents: taken before and
 * after a build step, two snapshots tell what the step changed ({@link RootfsDiff}). Any write to a
 * file changes its ctime, so comparing metadata finds every change a step makes on disk.
 *
 * <p>The contents of {@code /proc}, {@code /sys} and {@code /dev} are not part of an image (a runtime
 * mounts them), so they are left out; the directories themselves are kept.
 */
public final class RootfsSnapshot {
  private static final Set<String> MOUNT_POINTS = Set.of("/proc", "/sys", "/dev");

  private final Path root;
  private final Map<String, Stat> entries;

  private RootfsSnapshot(Path root, Map<String, Stat> entries) {
    this.root = root;
    this.entries = Collections.unmodifiableMap(entries);
  }

  /**
   * What one path is on disk.
   *
   * @param kind its type
   * @param mode the permission bits ({@code 07777}) on disk
   * @param size bytes of a regular file
   * @param mtime modification time
   * @param ctime status change time: moves on every write, chmod, chown or link
   * @param inode device and inode, to find hardlinks and replaced files
   * @param nlink the link count
   * @param linkTarget a symlink's target as stored, else null
   */
  public record Stat(Kind kind, int mode, long size, FileTime mtime, FileTime ctime, Inode inode,
      long nlink, String linkTarget) {}

  /** Walks {@code root} (never following symlinks). */
  public static RootfsSnapshot take(Path root) throws IOException {
    Path real = root.toRealPath();
    Map<String, Stat> entries = new TreeMap<>();
    walk(real, MOUNT_POINTS, (key, path, a) -> entries.put(key, stat(path, a)));
    return new RootfsSnapshot(real, entries);
  }

  /** What {@link #walk} reads of each path, as {@code Files.readAttributes} names them. */
  public static final String ATTRIBUTES = "unix:mode,size,lastModifiedTime,ctime,dev,ino,nlink";

  /** Sees one path of a {@link #walk}. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * @param key the absolute in-root path ({@code /}, {@code /etc/passwd})
     * @param path the path on the host
     * @param attributes its {@link #ATTRIBUTES}, read without following a symlink
     */
    void visit(String key, Path path, Map<String, Object> attributes) throws IOException;
  }

  /**
   * Visits {@code realRoot} and everything under it, a directory before its contents, never
   * following symlinks and leaving out the contents (not the directories) of {@code skipContents}.
   * One {@code lstat} per path: {@code Files.walkFileTree} reads each path's attributes itself and
   * a visitor then reads them again, which made the walks of a 20,000-file tree twice as slow.
   */
  public static void walk(Path realRoot, Set<String> skipContents, Visitor visitor) throws IOException {
    Map<String, Object> a = Files.readAttributes(realRoot, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    visitor.visit("/", realRoot, a);
    if (isDirectory(a)) {
      walkDirectory(realRoot, "", skipContents, visitor);
    }
  }

  private static void walkDirectory(Path dir, String prefix, Set<String> skipContents, Visitor visitor)
      throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path child : stream) {
        children.add(child);
      }
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    }
    for (Path child : children) {
      String key = prefix + "/" + child.getFileName().toString();
      if (key.indexOf('\uFFFD') >= 0) {
        requireUtf8Name(dir, child, key);
      }
      Map<String, Object> a = Files.readAttributes(child, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
      visitor.visit(key, child, a);
      if (isDirectory(a) && !skipContents.contains(key)) {
        walkDirectory(child, key, skipContents, visitor);
      }
    }
  }

  /**
   * Java decodes file names as UTF-8 (the launcher sees to the locale): bytes that are not come back
   * as U+FFFD, which names no file, so such a name could be neither read nor put in a layer.
   */
  private static void requireUtf8Name(Path dir, Path child, String key) throws IOException {
    if (!Files.exists(dir.resolve(child.getFileName().toString()), LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("a file name that is not UTF-8: " + key + " (the bytes that are not shown as"
          + " \uFFFD); Lading reads and writes file names as UTF-8, as a layer's PAX headers carry them,"
          + " and cannot carry this one: give it a UTF-8 name (convmv -f latin1 -t utf8 --notest, say)");
    }
  }

  private static boolean isDirectory(Map<String, Object> a) {
    return ((Integer) a.get("mode") & 0170000) == 0040000;
  }

  /** True for {@code /proc}, {@code /sys} and {@code /dev}, which runtimes mount over. */
  static boolean isMountPoint(String path) {
    return MOUNT_POINTS.contains(path);
  }

  /** A file's identity on the host: its device and inode numbers (hardlinks share it). */
  public record Inode(long device, long number) {}

  /** The {@link Stat#inode()} of the file with device number {@code dev} and inode number {@code ino}. */
  public static Inode inode(long dev, long ino) {
    return new Inode(dev, ino);
  }

  /** True for what is below {@code /proc}, {@code /sys} or {@code /dev}: a snapshot leaves it out. */
  public static boolean isMountPointContent(String path) {
    int second = path.indexOf('/', 1);
    return second > 0 && second < path.length() - 1 && MOUNT_POINTS.contains(path.substring(0, second));
  }

  /**
   * This snapshot with {@code paths} (in-root, as {@link #entries()} names them) read again from
   * disk: for a caller that changed a few paths itself and knows which.
   */
  public RootfsSnapshot refreshed(java.util.Collection<String> paths) throws IOException {
    Map<String, Stat> copy = new TreeMap<>(entries);
    for (String key : paths) {
      Path path = root.resolve(key.substring(1));
      copy.put(key, stat(path, Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS)));
    }
    return new RootfsSnapshot(root, copy);
  }

  /** The real path of the root this snapshot was taken of. */
  public Path root() {
    return root;
  }

  /** Every path, as an absolute in-image path ({@code /}, {@code /etc}, {@code /etc/passwd}), sorted. */
  public Map<String, Stat> entries() {
    return entries;
  }

  private static Stat stat(Path path, Map<String, Object> a) throws IOException {
    int mode = (Integer) a.get("mode");
    Kind kind = kind(mode);
    String target = kind == Kind.SYMLINK ? LinkTargets.read(path) : null;
    Inode inode = inode(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
    return new Stat(kind, mode & 07777, kind == Kind.FILE ? (Long) a.get("size") : 0,
        (FileTime) a.get("lastModifiedTime"), (FileTime) a.get("ctime"), inode,
        ((Number) a.get("nlink")).longValue(), target);
  }

  static Kind kind(int mode) {
    for (Kind k : Kind.values()) {
      if ((mode & 0170000) == k.typeBits()) {
        return k;
      }
    }
    return null; // a socket: no layer can hold it
  }
}
