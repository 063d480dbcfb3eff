package dev.lading.layer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.lading.io.AtomicFiles;
import dev.lading.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

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

  /**
   * The intended metadata of one path. {@code capability} is the file's {@code security.capability}
   * extended attribute (its file capabilities, as {@code setcap} writes them), base64, or null: an
   * unprivileged unpack or RUN step cannot write it to disk either.
   */
  public record Ownership(
      @JsonProperty("type") Kind type,
      @JsonProperty("mode") String mode,
      @JsonProperty("uid") long uid,
      @JsonProperty("gid") long gid,
      @JsonProperty("devMajor") int devMajor,
      @JsonProperty("devMinor") int devMinor,
      @JsonProperty("capability") @JsonInclude(JsonInclude.Include.NON_NULL) String capability) {
    public Ownership {
      Objects.requireNonNull(type, "type");
      // Mode is stored in octal text so the sidecar reads like `ls -l` to a human.
      Integer.parseInt(mode, 8);
      if (capability != null) {
        Base64.getDecoder().decode(capability);
      }
    }

    /** Metadata with permission bits given as an int. */
    public static Ownership of(Kind type, int mode, long uid, long gid, int devMajor, int devMinor) {
      return new Ownership(type, Integer.toOctalString(mode & 07777), uid, gid, devMajor, devMinor, null);
    }

    /** The same with the file capabilities {@code raw} ({@code security.capability}), null for none. */
    public Ownership withCapability(byte[] raw) {
      return new Ownership(type, mode, uid, gid, devMajor, devMinor,
          raw == null ? null : Base64.getEncoder().encodeToString(raw));
    }

    /** The raw {@code security.capability} attribute, or null. */
    public byte[] capabilityBytes() {
      return capability == null ? null : Base64.getDecoder().decode(capability);
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

  /**
   * Maps this process read or wrote, by file, with what the file was then: a build loads the stage's
   * map several times per step (20,000 entries after a RUN that makes 20,000 files), and every save
   * replaces the file by a rename, so an unchanged file (same inode, size, mtime and ctime) holds the
   * same map. The maps are immutable.
   */
  private static final Map<Path, Cached> CACHE = new ConcurrentHashMap<>();
  private static final int CACHE_FILES = 16;

  private record Cached(Object identity, OwnershipMap map) {}

  /** The map stored at {@code file}, or an empty map when there is none yet. */
  public static OwnershipMap load(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    Object identity = identity(file);
    if (identity == null) {
      CACHE.remove(key);
      return empty();
    }
    Cached cached = CACHE.get(key);
    if (cached != null && cached.identity().equals(identity)) {
      return cached.map();
    }
    OwnershipMap map = Json.read(Files.readAllBytes(file), OwnershipMap.class, "ownership map " + file);
    remember(key, Objects.equals(identity(file), identity) ? identity : null, map);
    return map;
  }

  /** What identifies the file's content for the cache, null when it does not exist. */
  private static Object identity(Path file) throws IOException {
    try {
      Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime",
          LinkOption.NOFOLLOW_LINKS);
      return List.of(a.get("dev"), a.get("ino"), a.get("size"), a.get("lastModifiedTime"),
          a.get("ctime"));
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  private static void remember(Path key, Object identity, OwnershipMap map) {
    if (identity == null) {
      CACHE.remove(key);
      return;
    }
    if (CACHE.size() >= CACHE_FILES && !CACHE.containsKey(key)) {
      CACHE.clear(); // builds use a few files at a time; old ones are deleted work directories
    }
    CACHE.put(key, new Cached(identity, map));
  }

  /** Writes the map to {@code file} atomically (temp file in the same directory, fsync, rename). */
  public void save(Path file) throws IOException {
    write(file, true);
  }

  /**
   * Writes the map to {@code file} atomically (temp file in the same directory, rename) without
   * waiting for the disk: for a build's or a run's working copy, which a killed process leaves
   * whole (the rename is atomic) and a crashed machine leaves worthless anyway (its work directory
   * is swept).
   */
  public void saveTemporary(Path file) throws IOException {
    write(file, false);
  }

  private void write(Path file, boolean sync) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    CACHE.remove(key);
    writeAtomically(file, toJson(), sync);
    remember(key, identity(file), this);
  }

  /**
   * The map as JSON, as Jackson would write the record ({@code {"version":1,"entries":{"/":{"type":
   * "DIRECTORY","mode":"755",...}}}}), written by hand: Jackson's data binding took a quarter of a
   * files-heavy build's Java time.
   */
  byte[] toJson() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + entries.size() * 96);
    try (JsonGenerator g = Json.mapper().getFactory().createGenerator(bytes)) {
      g.writeStartObject();
      g.writeNumberField("version", version);
      g.writeFieldName("entries");
      g.writeStartObject();
      for (Map.Entry<String, Ownership> e : entries.entrySet()) {
        Ownership o = e.getValue();
        g.writeFieldName(e.getKey());
        g.writeStartObject();
        g.writeStringField("type", o.type().name());
        g.writeStringField("mode", o.mode());
        g.writeNumberField("uid", o.uid());
        g.writeNumberField("gid", o.gid());
        g.writeNumberField("devMajor", o.devMajor());
        g.writeNumberField("devMinor", o.devMinor());
        if (o.capability() != null) {
          g.writeStringField("capability", o.capability());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The map as a fakeroot state file ({@code fakeroot -i FILE}): one line per path that exists under
   * {@code root}, {@code dev=<hex>,ino=<dec>,mode=<octal st_mode>,uid=,gid=,nlink=,rdev=}. fakeroot keys
   * its state by device and inode, so render it right before running fakeroot on this very tree: a copy
   * of the tree has other inodes.
   */
  public String toFakerootSaveFile(Path root) throws IOException {
    return toFakerootSaveFile(root, null);
  }

  /**
   * {@link #toFakerootSaveFile(Path)}, with device, inode and link count read from {@code current}
   * (a walk of {@code root} taken since its last change) where it has the path, instead of an
   * {@code lstat} per path; paths it leaves out (below {@code /dev}) are still looked up.
   */
  public String toFakerootSaveFile(Path root, RootfsSnapshot current) throws IOException {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Ownership> e : entries.entrySet()) {
      RootfsSnapshot.Stat walked = current == null ? null : current.entries().get(e.getKey());
      long dev;
      long ino;
      long nlink;
      if (walked != null) {
        dev = walked.inode().device();
        ino = walked.inode().number();
        nlink = walked.nlink();
      } else {
        Map<String, Object> a;
        try {
          // One lstat for the three numbers.
          a = Files.readAttributes(root.resolve(e.getKey().substring(1)), "unix:dev,ino,nlink",
              LinkOption.NOFOLLOW_LINKS);
        } catch (IOException gone) {
          continue; // as Files.exists: gone, or its existence cannot be told
        }
        dev = ((Number) a.get("dev")).longValue();
        ino = ((Number) a.get("ino")).longValue();
        nlink = ((Number) a.get("nlink")).longValue();
      }
      Ownership o = e.getValue();
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
    writeAtomically(file, bytes, true);
  }

  static void writeAtomically(Path file, byte[] bytes, boolean sync) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (sync) {
      AtomicFiles.write(file, bytes);
    } else {
      AtomicFiles.replace(file, bytes);
    }
  }
}
