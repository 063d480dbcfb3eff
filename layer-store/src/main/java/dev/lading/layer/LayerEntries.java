package dev.lading.layer;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Turns a directory tree on disk into layer entries (extra directories, root file system diffs). */
public final class LayerEntries {
  private LayerEntries() {}

  /** How file modes are carried from disk into the layer. */
  public enum ModePolicy {
    /** 0755 for directories and for files with any execute bit, 0644 for other files: stable across umasks. */
    NORMALIZE,
    /** The permission bits as they are on disk (setuid, setgid and sticky included). */
    PRESERVE,
    /** 0755 for directories, 0644 for every file whatever its bits on disk: Jib's default. */
    FIXED
  }

  /**
   * Options for {@link #fromDirectory(Path, String, DirectoryOptions)}.
   *
   * @param modes how permissions are carried over
   * @param uid owner of every entry
   * @param gid group of every entry
   * @param keepMtimes true to keep each file's mtime (whole seconds); false leaves the layer default
   */
  public record DirectoryOptions(ModePolicy modes, long uid, long gid, boolean keepMtimes) {
    /** Normalised modes, owner 0:0, the layer's mtime: the reproducible default. */
    public static final DirectoryOptions DEFAULTS = new DirectoryOptions(ModePolicy.NORMALIZE, 0, 0, false);

    public DirectoryOptions {
      Objects.requireNonNull(modes, "modes");
    }
  }

  /** {@link #fromDirectory(Path, String, DirectoryOptions)} with {@link DirectoryOptions#DEFAULTS}. */
  public static List<LayerEntry> fromDirectory(Path root, String targetDir) throws IOException {
    return fromDirectory(root, targetDir, DirectoryOptions.DEFAULTS);
  }

  /**
   * The entries for everything below {@code root}, placed under the in-layer directory {@code targetDir}
   * ({@code /} for a root file system). Symlinks are kept as symlinks with their target text verbatim
   * and never followed; files with several links on disk become one file plus hardlinks. Order is
   * sorted by path, so the result does not depend on directory listing order. {@code root} itself
   * becomes {@code targetDir} unless that is {@code /}. Sockets, fifos and devices are refused: they
   * cannot be put in a layer built from an unprivileged copy.
   */
  public static List<LayerEntry> fromDirectory(Path root, String targetDir, DirectoryOptions options)
      throws IOException {
    Objects.requireNonNull(options, "options");
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(root + " is not a directory");
    }
    String target = targetDir.equals("/") || targetDir.isEmpty() ? "" : LayerPaths.canonical(targetDir);
    List<LayerEntry> entries = new ArrayList<>();
    Map<Object, String> firstPathOfInode = new HashMap<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        String path = inLayer(root, dir, target);
        if (path != null) {
          entries.add(finish(LayerEntry.directory(path), dir, attrs, options, true));
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String path = inLayer(root, file, target);
        if (attrs.isSymbolicLink()) {
          String link = LinkTargets.read(file);
          entries.add(finish(LayerEntry.symlink(path, link), file, attrs, options, false)
              .withMode(LayerEntry.SYMLINK_MODE));
        } else if (attrs.isRegularFile()) {
          int nlink = ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue();
          String first = nlink > 1 ? firstPathOfInode.putIfAbsent(attrs.fileKey(), path) : null;
          // ReproducibleLayer re-roots the group at the path that sorts first; here any member will do.
          LayerEntry entry = first == null ? LayerEntry.file(path, file) : LayerEntry.hardlink(path, first);
          entries.add(finish(entry, file, attrs, options, false));
        } else {
          throw new IOException(file + " is a special file (device, fifo or socket) and cannot be"
              + " added to a layer; remove it from " + root);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    entries.sort((a, b) -> ReproducibleLayer.comparePaths(a.path(), b.path()));
    return List.copyOf(entries);
  }

  private static String inLayer(Path root, Path file, String target) throws IOException {
    Path relative = root.relativize(file);
    String rel = relative.toString();
    // A name that is not valid in the JVM's file-name charset decodes with replacement characters;
    // written so, it would name another file. Refuse it, showing its bytes as the URI escapes them.
    if (!relative.getFileSystem().getPath(rel).equals(relative)) {
      throw new IOException(file.getParent() + ": the file name '" + file.toUri().getRawPath()
          .substring(file.getParent().toUri().getRawPath().length()).replaceAll("/$", "")
          + "' is not valid UTF-8 (or not in this Java's file-name charset, "
          + System.getProperty("sun.jnu.encoding") + "); rename it, or run with LC_ALL=C.UTF-8");
    }
    if (rel.isEmpty()) {
      return target.isEmpty() ? null : target;
    }
    return target + "/" + rel.replace(java.io.File.separatorChar, '/');
  }

  private static LayerEntry finish(LayerEntry entry, Path file, BasicFileAttributes attrs,
      DirectoryOptions options, boolean directory) throws IOException {
    int mode = switch (options.modes()) {
      case NORMALIZE -> directory || isExecutable(file) ? 0755 : 0644;
      case FIXED -> directory ? 0755 : 0644;
      case PRESERVE -> ((Number) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 07777;
    };
    LayerEntry result = entry.withMode(mode).withOwner(options.uid(), options.gid());
    if (options.keepMtimes()) {
      result = result.withMtime(Instant.ofEpochSecond(attrs.lastModifiedTime().toInstant().getEpochSecond()));
    }
    return result;
  }

  private static boolean isExecutable(Path file) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
    return perms.contains(PosixFilePermission.OWNER_EXECUTE)
        || perms.contains(PosixFilePermission.GROUP_EXECUTE)
        || perms.contains(PosixFilePermission.OTHERS_EXECUTE);
  }
}
