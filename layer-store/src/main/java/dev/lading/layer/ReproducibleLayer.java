package dev.lading.layer;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestingOutputStream;
import dev.lading.io.NonClosingOutputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A layer whose bytes depend only on its entries: the same entries give the same diffId and digest on
 * every machine, JDK and user account.
 *
 * <p>Built from {@link LayerEntry} values; {@link Builder#build()} normalises them:
 * <ul>
 *   <li>entries are sorted by path, so input order does not matter;</li>
 *   <li>when two entries have the same path the one added <b>last wins</b>, as when copying files in
 *       order onto a file system;</li>
 *   <li>missing parent directories are added (mode 0755, owner 0:0, the parent mtime), so every
 *       extractor creates them the same way;</li>
 *   <li>each group of hardlinks is re-rooted so the file's content is stored at the path that sorts
 *       first, and the other paths link to it (a tar hardlink must follow its target);</li>
 *   <li>mtimes are truncated to whole seconds; entries without one get the layer mtime (default the
 *       epoch).</li>
 * </ul>
 *
 * <p>Names longer than 100 bytes, link targets longer than 100 bytes, uids/gids beyond the ustar
 * range, long owner names and files of 8 GiB or more get POSIX PAX extended headers. Those headers
 * are written here rather than by commons-compress because commons-compress stamps its own PAX
 * headers with the JVM's {@code user.name}, which would make the digest depend on who built it. The
 * gzip header is fixed (mtime 0, no file name, OS byte 255 "unknown") for the same reason, and the
 * gzip is compressed in fixed blocks ({@link ParallelGzipOutputStream}), so the core count does not
 * change it either.
 */
public final class ReproducibleLayer {
  // commons-compress needs room for a terminating NUL, so 99 bytes is the longest plain name.
  private static final int USTAR_NAME_MAX = 99;
  private static final int USTAR_OWNER_NAME_MAX = 32;
  private static final long USTAR_ID_MAX = 07777777L;
  private static final long USTAR_SIZE_MAX = 077777777777L;
  private static final int BUFFER_SIZE = 64 * 1024;

  private final List<LayerEntry> entries;
  private final int compressionLevel;

  private ReproducibleLayer(List<LayerEntry> entries, int compressionLevel) {
    this.entries = List.copyOf(entries);
    this.compressionLevel = compressionLevel;
  }

  /** A new builder with the epoch as mtime and the default compression level. */
  public static Builder builder() {
    return new Builder();
  }

  /** The normalised entries in the order they are written, implicit parents included. */
  public List<LayerEntry> entries() {
    return entries;
  }

  /**
   * Writes the gzip-compressed layer to {@code out} (which is flushed, not closed) and returns the
   * diffId, digest and size, all computed in the same single pass.
   */
  public LayerResult writeTo(OutputStream out) throws IOException {
    DigestingOutputStream compressed = new DigestingOutputStream(new NonClosingOutputStream(out));
    DigestingOutputStream tar = new DigestingOutputStream(new BufferedOutputStream(
        new ParallelGzipOutputStream(compressed, compressionLevel), BUFFER_SIZE));
    writeTar(tar);
    return new LayerResult(tar.digest(), compressed.digest(), compressed.count());
  }

  /** Writes the uncompressed tar to {@code out} (flushed, not closed) and returns its diffId. */
  public Digest writeUncompressedTo(OutputStream out) throws IOException {
    DigestingOutputStream tar = new DigestingOutputStream(
        new BufferedOutputStream(new NonClosingOutputStream(out), BUFFER_SIZE));
    writeTar(tar);
    return tar.digest();
  }

  /** Writes every entry and closes {@code sink} (the caller's stream is protected by a non-closing wrapper). */
  private void writeTar(OutputStream sink) throws IOException {
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(sink, StandardCharsets.UTF_8.name())) {
      // Anything too long for ustar gets our own PAX header; commons-compress must never add its own.
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_ERROR);
      // Base-256 numbers in the ustar fields as a fallback for readers that ignore PAX; PAX is authoritative.
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
      byte[] buffer = new byte[BUFFER_SIZE];
      try (ContentReadAhead readAhead = new ContentReadAhead(entries)) {
        for (LayerEntry entry : entries) {
          ContentReadAhead.Read read = ContentReadAhead.readsAhead(entry) ? readAhead.take(entry) : null;
          writeEntry(tar, entry, read, buffer);
        }
      }
      tar.finish();
    }
  }

  /** Writes one entry; {@code read} is its file as read ahead, or null when it was not. */
  private static void writeEntry(TarArchiveOutputStream tar, LayerEntry entry,
      ContentReadAhead.Read read, byte[] buffer) throws IOException {
    String name = tarName(entry);
    long size = read != null ? read.size()
        : entry.type() == LayerEntry.Type.FILE ? entry.content().size() : 0;
    String link = switch (entry.type()) {
      case SYMLINK -> entry.linkTarget();
      case HARDLINK -> entry.linkTarget().substring(1);
      default -> "";
    };
    FileTime mtime = FileTime.from(entry.mtime());

    // PAX records in key order so the header bytes are stable.
    Map<String, String> pax = new TreeMap<>();
    byte[] capability = entry.capability() == null || entry.type() != LayerEntry.Type.FILE ? null
        : java.util.Base64.getDecoder().decode(entry.capability());
    if (utf8Length(name) > USTAR_NAME_MAX) {
      pax.put("path", name);
    }
    if (utf8Length(link) > USTAR_NAME_MAX) {
      pax.put("linkpath", link);
    }
    if (entry.uid() > USTAR_ID_MAX) {
      pax.put("uid", Long.toString(entry.uid()));
    }
    if (entry.gid() > USTAR_ID_MAX) {
      pax.put("gid", Long.toString(entry.gid()));
    }
    if (size > USTAR_SIZE_MAX) {
      pax.put("size", Long.toString(size));
    }
    if (utf8Length(entry.uname()) > USTAR_OWNER_NAME_MAX) {
      pax.put("uname", entry.uname());
    }
    if (utf8Length(entry.gname()) > USTAR_OWNER_NAME_MAX) {
      pax.put("gname", entry.gname());
    }
    if (!pax.isEmpty() || capability != null) {
      Map<String, byte[]> records = new TreeMap<>();
      pax.forEach((key, value) -> records.put(key, value.getBytes(StandardCharsets.UTF_8)));
      if (capability != null) {
        // The attribute's raw bytes, as GNU tar and Go's archive/tar write them (not UTF-8 text).
        records.put(CAPABILITY_RECORD, capability);
      }
      writePaxHeader(tar, name, mtime, records);
    }

    byte flag = switch (entry.type()) {
      case FILE -> TarConstants.LF_NORMAL;
      case DIRECTORY -> TarConstants.LF_DIR;
      case SYMLINK -> TarConstants.LF_SYMLINK;
      case HARDLINK -> TarConstants.LF_LINK;
      case FIFO -> TarConstants.LF_FIFO;
      case CHAR_DEVICE -> TarConstants.LF_CHR;
      case BLOCK_DEVICE -> TarConstants.LF_BLK;
    };
    TarArchiveEntry header = new TarArchiveEntry(ustarName(name), flag, true);
    header.setMode(entry.mode());
    // The uid/gid stay in the header even when PAX carries them (base-256 keeps them exact for old readers).
    header.setUserId(entry.uid());
    header.setGroupId(entry.gid());
    header.setUserName(clip(entry.uname(), USTAR_OWNER_NAME_MAX));
    header.setGroupName(clip(entry.gname(), USTAR_OWNER_NAME_MAX));
    header.setLastModifiedTime(mtime);
    header.setSize(size);
    if (entry.type() == LayerEntry.Type.CHAR_DEVICE || entry.type() == LayerEntry.Type.BLOCK_DEVICE) {
      header.setDevMajor(entry.devMajor());
      header.setDevMinor(entry.devMinor());
    }
    if (!link.isEmpty()) {
      header.setLinkName(ustarName(link));
    }
    tar.putArchiveEntry(header);
    if (read != null && read.bytes() != null) {
      tar.write(read.bytes());
    } else if (entry.type() == LayerEntry.Type.FILE) {
      copyExactly(entry, size, tar, buffer);
    }
    tar.closeArchiveEntry();
  }

  private static void writePaxHeader(TarArchiveOutputStream tar, String name, FileTime mtime,
      Map<String, byte[]> records) throws IOException {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> record : records.entrySet()) {
      // Each record is "<len> <key>=<value>\n" where <len> counts itself, so iterate to a fixed point.
      byte[] key = (" " + record.getKey() + "=").getBytes(StandardCharsets.UTF_8);
      int restLength = key.length + record.getValue().length + 1;
      int length = restLength + Integer.toString(restLength).length();
      while (length != restLength + Integer.toString(length).length()) {
        length = restLength + Integer.toString(length).length();
      }
      body.write(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
      body.write(key);
      body.write(record.getValue());
      body.write('\n');
    }
    byte[] bytes = body.toByteArray();
    // The same naming scheme GNU tar uses; readers ignore it, but it must be fixed for reproducibility.
    String base = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    base = base.substring(base.lastIndexOf('/') + 1);
    TarArchiveEntry header = new TarArchiveEntry(
        ustarName("PaxHeaders/" + base), TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
    header.setMode(0644);
    header.setUserId(0);
    header.setGroupId(0);
    header.setUserName("");
    header.setGroupName("");
    header.setLastModifiedTime(mtime);
    header.setSize(bytes.length);
    tar.putArchiveEntry(header);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  /** The PAX record of a file's capabilities (its security.capability attribute). */
  static final String CAPABILITY_RECORD = "SCHILY.xattr.security.capability";

  private static void copyExactly(LayerEntry entry, long size, OutputStream out, byte[] buffer)
      throws IOException {
    long remaining = size;
    try (InputStream in = entry.content().open()) {
      while (remaining > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        remaining -= n;
      }
      if (remaining != 0 || in.read() >= 0) {
        throw changedSize(entry.path(), size);
      }
    }
  }

  static IOException changedSize(String path, long size) {
    return new IOException("the content of " + path + " changed size while the layer was"
        + " written (expected " + size + " bytes); make sure nothing writes to it during the build");
  }

  /** The tar name: no leading slash; directories end in a slash as GNU tar writes them. */
  private static String tarName(LayerEntry entry) {
    String name = entry.path().substring(1);
    return entry.type() == LayerEntry.Type.DIRECTORY ? name + "/" : name;
  }

  /** A name that fits the ustar field: ASCII and at most 100 bytes (PAX holds the real one). */
  private static String ustarName(String name) {
    if (utf8Length(name) <= USTAR_NAME_MAX) {
      return name;
    }
    StringBuilder ascii = new StringBuilder();
    for (int i = 0; i < name.length() && ascii.length() < USTAR_NAME_MAX; i++) {
      char c = name.charAt(i);
      ascii.append(c < 0x80 ? c : '_');
    }
    return ascii.toString();
  }

  /** An owner name that fits its ustar field (PAX holds the real one when it does not). */
  private static String clip(String value, int max) {
    if (utf8Length(value) <= max) {
      return value;
    }
    StringBuilder ascii = new StringBuilder();
    for (int i = 0; i < value.length() && ascii.length() < max; i++) {
      char c = value.charAt(i);
      ascii.append(c < 0x80 ? c : '_');
    }
    return ascii.toString();
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Collects entries and settings; {@link #build()} normalises them into an immutable layer. */
  public static final class Builder {
    private final Map<String, LayerEntry> byPath = new LinkedHashMap<>();
    private Instant mtime = Instant.EPOCH;
    private Instant parentMtime;
    private int compressionLevel = Deflater.DEFAULT_COMPRESSION;
    private boolean implicitParents = true;
    private boolean lowerHardlinks;

    private Builder() {}

    /** Adds an entry; a later entry with the same path replaces this one. */
    public Builder add(LayerEntry entry) {
      Objects.requireNonNull(entry, "entry");
      byPath.remove(entry.path());
      byPath.put(entry.path(), entry);
      return this;
    }

    /** Adds entries in order (later ones win on equal paths). */
    public Builder addAll(Iterable<LayerEntry> more) {
      for (LayerEntry entry : more) {
        add(entry);
      }
      return this;
    }

    /** The mtime of entries that have none and of implicit parents; default the epoch. */
    public Builder mtime(Instant value) {
      this.mtime = Objects.requireNonNull(value, "mtime");
      return this;
    }

    /** The mtime of implicit parents only (default: {@link #mtime}); Jib keeps them at its default. */
    public Builder parentMtime(Instant value) {
      this.parentMtime = Objects.requireNonNull(value, "parentMtime");
      return this;
    }

    /**
     * The gzip level, 0 (store) to 9 (smallest), or {@link Deflater#DEFAULT_COMPRESSION}. Level 1 is
     * several times faster for jars, which are already compressed, at a small cost in size.
     */
    public Builder compressionLevel(int level) {
      if (level != Deflater.DEFAULT_COMPRESSION && (level < 0 || level > 9)) {
        throw new IllegalArgumentException("compression level must be 0..9 or -1 (default), not " + level);
      }
      this.compressionLevel = level;
      return this;
    }

    /**
     * Whether missing parent directories are added (default). A layer that records what a build
     * step changed holds only what changed, as buildah's do: its parents exist in lower layers.
     */
    public Builder implicitParents(boolean value) {
      this.implicitParents = value;
      return this;
    }

    /**
     * Allows hardlinks to files of lower layers (a step that links to a file it did not change);
     * by default a hardlink's target must be in the same layer.
     */
    public Builder hardlinksToLowerLayers(boolean value) {
      this.lowerHardlinks = value;
      return this;
    }

    /**
     * The normalised layer.
     *
     * @throws IllegalArgumentException when an entry needs a parent that is not a directory, or a
     *     hardlink does not lead to a regular file of this layer
     */
    public ReproducibleLayer build() {
      Instant defaultMtime = truncate(mtime);
      Map<String, LayerEntry> resolved = new HashMap<>();
      for (LayerEntry entry : byPath.values()) {
        Instant own = entry.mtime() == null ? defaultMtime : truncate(entry.mtime());
        resolved.put(entry.path(), entry.withMtime(own));
      }
      rerootHardlinks(resolved, lowerHardlinks);
      if (implicitParents) {
        Instant parents = parentMtime == null ? defaultMtime : truncate(parentMtime);
        for (LayerEntry entry : List.copyOf(resolved.values())) {
          addParents(resolved, entry, parents);
        }
      }
      List<LayerEntry> sorted = new ArrayList<>(resolved.values());
      sorted.sort(Comparator.comparing(LayerEntry::path, ReproducibleLayer::comparePaths));
      return new ReproducibleLayer(sorted, compressionLevel);
    }

    private static Instant truncate(Instant t) {
      return Instant.ofEpochSecond(t.getEpochSecond());
    }

    private static void addParents(Map<String, LayerEntry> resolved, LayerEntry entry, Instant mtime) {
      for (String parent = LayerPaths.parent(entry.path()); parent != null;
          parent = LayerPaths.parent(parent)) {
        LayerEntry existing = resolved.get(parent);
        if (existing == null) {
          resolved.put(parent, LayerEntry.directory(parent).withMtime(mtime));
        } else if (existing.type() != LayerEntry.Type.DIRECTORY) {
          throw new IllegalArgumentException(entry.path() + " needs " + parent
              + " to be a directory, but the layer has a " + existing.type().name().toLowerCase()
              + " there; remove one of the two entries");
        }
      }
    }

    /** Points every hardlink at the path of its group that sorts first and stores the content there. */
    private static void rerootHardlinks(Map<String, LayerEntry> resolved, boolean lowerHardlinks) {
      Map<String, List<String>> groups = new TreeMap<>();
      for (LayerEntry entry : resolved.values()) {
        if (entry.type() == LayerEntry.Type.HARDLINK
            && !(lowerHardlinks && !resolved.containsKey(entry.linkTarget()))) {
          String file = followHardlinks(resolved, entry);
          groups.computeIfAbsent(file, k -> new ArrayList<>()).add(entry.path());
        }
      }
      for (Map.Entry<String, List<String>> group : groups.entrySet()) {
        LayerEntry file = resolved.get(group.getKey());
        String first = file.path();
        for (String link : group.getValue()) {
          if (comparePaths(link, first) < 0) {
            first = link;
          }
        }
        if (!first.equals(file.path())) {
          resolved.put(first, file.withPath(first));
          resolved.put(file.path(), link(file, first));
        }
        for (String link : group.getValue()) {
          if (!link.equals(first)) {
            resolved.put(link, link(resolved.get(link), first));
          }
        }
      }
    }

    private static LayerEntry link(LayerEntry at, String target) {
      return new LayerEntry(at.path(), LayerEntry.Type.HARDLINK, null, target, at.mode(), at.uid(),
          at.gid(), at.uname(), at.gname(), at.mtime(), 0, 0, null);
    }

    private static String followHardlinks(Map<String, LayerEntry> resolved, LayerEntry link) {
      Set<String> seen = new HashSet<>();
      LayerEntry current = link;
      while (current.type() == LayerEntry.Type.HARDLINK) {
        if (!seen.add(current.path())) {
          throw new IllegalArgumentException("hardlink " + link.path() + " is part of a loop of hardlinks");
        }
        LayerEntry next = resolved.get(current.linkTarget());
        if (next == null) {
          throw new IllegalArgumentException("hardlink " + link.path() + " points at "
              + current.linkTarget() + ", which is not in the layer; add that file to the same layer");
        }
        current = next;
      }
      // Any type but a directory, as on disk (a hardlinked symlink or FIFO stays one inode).
      if (current.type() == LayerEntry.Type.DIRECTORY) {
        throw new IllegalArgumentException("hardlink " + link.path() + " points at "
            + current.path() + ", a directory; hardlinks cannot point at directories");
      }
      return current.path();
    }
  }

  /** Byte-wise UTF-8 order, independent of locale and of Java's UTF-16 string order. */
  static int comparePaths(String a, String b) {
    byte[] x = a.getBytes(StandardCharsets.UTF_8);
    byte[] y = b.getBytes(StandardCharsets.UTF_8);
    return java.util.Arrays.compareUnsigned(x, y);
  }

}
