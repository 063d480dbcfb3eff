package dev.lading.layer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One file system object to put in a layer: a regular file, directory, symlink or hardlink at an
 * absolute-style in-layer path ({@code /app/libs/x.jar}), with the mode, owner and mtime it gets.
 *
 * <p>A null {@code mtime} means "the layer's default" (see {@link ReproducibleLayer.Builder#mtime}), so
 * one setting pins every entry. {@code mode} holds permission bits only (including setuid, setgid and
 * sticky: {@code 07777}); the type comes from {@link #type}. {@code capability} is a file's
 * {@code security.capability} extended attribute (its file capabilities), base64, or null; a layer
 * holds it as the PAX record {@code SCHILY.xattr.security.capability}, as GNU tar, Go's archive/tar
 * and buildah write it.
 */
public record LayerEntry(
    String path,
    Type type,
    Content content,
    String linkTarget,
    int mode,
    long uid,
    long gid,
    String uname,
    String gname,
    Instant mtime,
    int devMajor,
    int devMinor,
    String capability) {

  /** The kinds of entry a layer built by Lading may hold. */
  public enum Type {
    FILE, DIRECTORY, SYMLINK, HARDLINK, FIFO, CHAR_DEVICE, BLOCK_DEVICE
  }

  /** Default permissions of a regular file or hardlink. */
  public static final int DEFAULT_FILE_MODE = 0644;
  /** Default permissions of a directory, including implicit parents. */
  public static final int DEFAULT_DIRECTORY_MODE = 0755;
  /** Symlink permissions are meaningless on Linux; tar tools write 0777. */
  public static final int SYMLINK_MODE = 0777;

  public LayerEntry {
    path = LayerPaths.canonical(path);
    Objects.requireNonNull(type, "type");
    uname = uname == null ? "" : uname;
    gname = gname == null ? "" : gname;
    if ((mode & ~07777) != 0) {
      throw new IllegalArgumentException(
          "mode " + Integer.toOctalString(mode) + " of " + path + " has bits beyond 07777; give permission bits only");
    }
    if (uid < 0 || gid < 0) {
      throw new IllegalArgumentException("negative uid/gid for " + path);
    }
    switch (type) {
      case FILE -> {
        Objects.requireNonNull(content, "content of file " + path);
        if (linkTarget != null) {
          throw new IllegalArgumentException("file " + path + " cannot have a link target");
        }
      }
      case DIRECTORY -> {
        if (content != null || linkTarget != null) {
          throw new IllegalArgumentException("directory " + path + " has no content or link target");
        }
      }
      case SYMLINK -> {
        if (linkTarget == null || linkTarget.isEmpty() || linkTarget.indexOf('\0') >= 0) {
          throw new IllegalArgumentException("symlink " + path + " needs a non-empty target without NUL");
        }
        if (content != null) {
          throw new IllegalArgumentException("symlink " + path + " has no content");
        }
      }
      case HARDLINK -> {
        if (content != null) {
          throw new IllegalArgumentException("hardlink " + path + " has no content of its own");
        }
        // Hardlink targets name another entry of the same layer, so they use the same canonical form.
        linkTarget = LayerPaths.canonical(linkTarget);
        if (linkTarget.equals(path)) {
          throw new IllegalArgumentException("hardlink " + path + " points at itself");
        }
      }
      case FIFO, CHAR_DEVICE, BLOCK_DEVICE -> {
        if (content != null || linkTarget != null) {
          throw new IllegalArgumentException(type.name().toLowerCase() + " " + path
              + " has no content or link target");
        }
      }
      default -> throw new AssertionError(type);
    }
    if (capability != null && type != Type.FILE && type != Type.HARDLINK) {
      throw new IllegalArgumentException(path + " is no regular file but has file capabilities");
    }
    if (type != Type.CHAR_DEVICE && type != Type.BLOCK_DEVICE && (devMajor != 0 || devMinor != 0)) {
      throw new IllegalArgumentException(path + " is no device but has device numbers");
    }
  }

  /** A regular file whose bytes are read from {@code source} when the layer is written. */
  public static LayerEntry file(String path, Path source) {
    return new LayerEntry(path, Type.FILE, new Content.OfPath(source), null, DEFAULT_FILE_MODE,
        0, 0, "", "", null, 0, 0, null);
  }

  /** A regular file holding {@code bytes} (copied). */
  public static LayerEntry file(String path, byte[] bytes) {
    return new LayerEntry(path, Type.FILE, new Content.OfBytes(bytes), null, DEFAULT_FILE_MODE,
        0, 0, "", "", null, 0, 0, null);
  }

  /** A directory. */
  public static LayerEntry directory(String path) {
    return new LayerEntry(path, Type.DIRECTORY, null, null, DEFAULT_DIRECTORY_MODE, 0, 0, "", "", null, 0, 0, null);
  }

  /** A symlink whose target text is stored exactly as given (absolute or relative). */
  public static LayerEntry symlink(String path, String target) {
    return new LayerEntry(path, Type.SYMLINK, null, target, SYMLINK_MODE, 0, 0, "", "", null, 0, 0, null);
  }

  /** A hardlink to the regular file at in-layer path {@code target}, which must be in the same layer. */
  public static LayerEntry hardlink(String path, String target) {
    return new LayerEntry(path, Type.HARDLINK, null, target, DEFAULT_FILE_MODE, 0, 0, "", "", null, 0, 0, null);
  }

  /** A named pipe. */
  public static LayerEntry fifo(String path) {
    return new LayerEntry(path, Type.FIFO, null, null, DEFAULT_FILE_MODE, 0, 0, "", "", null, 0, 0, null);
  }

  /** A character or block device node with its major and minor numbers. */
  public static LayerEntry device(String path, boolean block, int major, int minor) {
    return new LayerEntry(path, block ? Type.BLOCK_DEVICE : Type.CHAR_DEVICE, null, null,
        DEFAULT_FILE_MODE, 0, 0, "", "", null, major, minor, null);
  }

  /** This entry with other permission bits ({@code 0755}, {@code 04755} ...). */
  public LayerEntry withMode(int newMode) {
    return new LayerEntry(path, type, content, linkTarget, newMode, uid, gid, uname, gname, mtime, devMajor, devMinor, capability);
  }

  /** This entry owned by numeric {@code uid:gid}. */
  public LayerEntry withOwner(long newUid, long newGid) {
    return new LayerEntry(path, type, content, linkTarget, mode, newUid, newGid, uname, gname, mtime, devMajor, devMinor, capability);
  }

  /** This entry with user and group names recorded next to the numeric ids. */
  public LayerEntry withOwnerNames(String newUname, String newGname) {
    return new LayerEntry(path, type, content, linkTarget, mode, uid, gid, newUname, newGname, mtime, devMajor, devMinor, capability);
  }

  /** This entry with its own mtime instead of the layer default. */
  public LayerEntry withMtime(Instant newMtime) {
    return new LayerEntry(path, type, content, linkTarget, mode, uid, gid, uname, gname, newMtime, devMajor, devMinor, capability);
  }

  /** This entry with the file capabilities {@code raw} ({@code security.capability}), null for none. */
  public LayerEntry withCapability(byte[] raw) {
    return new LayerEntry(path, type, content, linkTarget, mode, uid, gid, uname, gname, mtime, devMajor,
        devMinor, raw == null ? null : java.util.Base64.getEncoder().encodeToString(raw));
  }

  /** This entry moved to another path (used when hardlink groups are re-rooted). */
  LayerEntry withPath(String newPath) {
    return new LayerEntry(newPath, type, content, linkTarget, mode, uid, gid, uname, gname, mtime,
        devMajor, devMinor, capability);
  }

  /** The bytes of a regular file entry. */
  public sealed interface Content {
    /** The size in bytes, read now. */
    long size() throws IOException;

    /** A fresh stream over the bytes. */
    InputStream open() throws IOException;

    /** Content read from a file when the layer is written. */
    record OfPath(Path source) implements Content {
      public OfPath {
        Objects.requireNonNull(source, "source");
      }

      @Override
      public long size() throws IOException {
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException(source + " is not a regular file (symlinks are added as symlink entries)");
        }
        return Files.size(source);
      }

      @Override
      public InputStream open() throws IOException {
        return Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS);
      }
    }

    /** Content held in memory; the array is copied in and never handed out. */
    final class OfBytes implements Content {
      private final byte[] bytes;

      public OfBytes(byte[] bytes) {
        this.bytes = bytes.clone();
      }

      @Override
      public long size() {
        return bytes.length;
      }

      @Override
      public InputStream open() {
        return new ByteArrayInputStream(bytes);
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof OfBytes other && Arrays.equals(bytes, other.bytes);
      }

      @Override
      public int hashCode() {
        return Arrays.hashCode(bytes);
      }

      @Override
      public String toString() {
        return "OfBytes[" + bytes.length + " bytes]";
      }
    }
  }
}
