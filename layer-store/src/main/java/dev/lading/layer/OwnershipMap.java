package dev.lading.layer;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lading.model.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The owner, mode and type each extracted path should have, for a root file system that was extracted
 * without privileges: files on disk belong to the extracting user (and device nodes are empty
 * placeholders), so the intended metadata is kept here, keyed by absolute in-root path ({@code /etc/passwd}),
 * and handed to fakeroot by the RUN executor ({@link #toFakerootSaveFile}).
 */
public record OwnershipMap(@JsonProperty("version") int version,
    @JsonProperty("entries") SortedMap<String, Ownership> entries) {
  /** The format version written by this code. */
  public static final int VERSION = 1;

  public OwnershipMap {
    if (version != VERSION) {
      throw new IllegalArgumentException("unsupported ownership map version " + version
          + " (this Lading reads version " + VERSION + "); extract the image again");
    }
    entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
  }

  /** An empty map. */
  public static OwnershipMap empty() {
    return new OwnershipMap(VERSION, new TreeMap<>());
  }

  /** The intended metadata of one path. */
  public record Ownership(
      @JsonProperty("type") Kind type,
      @JsonProperty("mode") String mode,
      @JsonProperty("uid") long uid,
      @JsonProperty("gid") long gid,
      @JsonProperty("devMajor") int devMajor,
      @JsonProperty("devMinor") int devMinor) {
    public Ownership {
      Objects.requireNonNull(type, "type");
      // Mode is stored in octal text so the sidecar reads like `ls -l` to a human.
      Integer.parseInt(mode, 8);
    }

    /** Metadata with permission bits given as an int. */
    public static Ownership of(Kind type, int mode, long uid, long gid, int devMajor, int devMinor) {
      return new Ownership(type, Integer.toOctalString(mode & 07777), uid, gid, devMajor, devMinor);
    }

    /** The permission bits ({@code 07777} range). */
    public int permissions() {
      return Integer.parseInt(mode, 8);
    }
  }

  /** The file types an extracted path can have; each knows its {@code st_mode} type bits. */
  public enum Kind {
    FILE(0100000), DIRECTORY(0040000), SYMLINK(0120000), CHAR_DEVICE(0020000),
    BLOCK_DEVICE(0060000), FIFO(0010000);

    private final int typeBits;

    Kind(int typeBits) {
      this.typeBits = typeBits;
    }

    /** The {@code S_IFMT} bits of this type. */
    public int typeBits() {
      return typeBits;
    }
  }

  /** The map stored at {@code file}, or an empty map when there is none yet. */
  public static OwnershipMap load(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return empty();
    }
    return Json.read(Files.readAllBytes(file), OwnershipMap.class, "ownership map " + file);
  }

  /** Writes the map to {@code file} atomically (temp file in the same directory, fsync, rename). */
  public void save(Path file) throws IOException {
    writeAtomically(file, Json.write(this));
  }

  /**
   * The map as a fakeroot state file ({@code fakeroot -i FILE}): one line per path that exists under
   * {@code root}, {@code dev=<hex>,ino=<dec>,mode=<octal st_mode>,uid=,gid=,nlink=,rdev=}. fakeroot keys
   * its state by device and inode, so render it right before running fakeroot on this very tree: a copy
   * of the tree has other inodes.
   */
  public String toFakerootSaveFile(Path root) throws IOException {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Ownership> e : entries.entrySet()) {
      Path path = root.resolve(e.getKey().substring(1));
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      Ownership o = e.getValue();
      long dev = ((Number) Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS)).longValue();
      long ino = ((Number) Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
      long nlink = ((Number) Files.getAttribute(path, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).longValue();
      long rdev = o.type() == Kind.CHAR_DEVICE || o.type() == Kind.BLOCK_DEVICE
          ? makedev(o.devMajor(), o.devMinor()) : 0;
      out.append("dev=").append(Long.toHexString(dev))
          .append(",ino=").append(Long.toUnsignedString(ino))
          .append(",mode=").append(Integer.toOctalString(o.type().typeBits() | o.permissions()))
          .append(",uid=").append(o.uid())
          .append(",gid=").append(o.gid())
          .append(",nlink=").append(nlink)
          .append(",rdev=").append(Long.toUnsignedString(rdev))
          .append('\n');
    }
    return out.toString();
  }

  /** Writes {@link #toFakerootSaveFile} to {@code file} atomically. */
  public void writeFakerootSaveFile(Path root, Path file) throws IOException {
    writeAtomically(file, toFakerootSaveFile(root).getBytes(StandardCharsets.UTF_8));
  }

  /** glibc's {@code makedev}: the encoding the kernel reports in {@code st_rdev}. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }

  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE);
          OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
        out.write(bytes);
        out.flush();
        ch.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
