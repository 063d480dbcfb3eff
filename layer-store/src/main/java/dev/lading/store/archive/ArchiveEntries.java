package dev.lading.store.archive;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads a store archive's tar entries with every safety check in one place: names are relative and
 * stay inside the archive, only regular files and directories are accepted, and read errors of the
 * archive itself (a cut or damaged file) are told apart from errors of the store.
 */
final class ArchiveEntries {
  private static final Pattern BLOB = Pattern.compile("blobs/sha256/([a-f0-9]{64})");

  private final TarArchiveInputStream tar;
  private TarArchiveEntry current;

  ArchiveEntries(InputStream in) {
    this.tar = new TarArchiveInputStream(in, "UTF-8");
  }

  /** One entry: its normalised name (no leading {@code ./}), and whether it is a directory. */
  record Entry(String name, boolean directory, long size) {
    /** The hex digest when this is a sha256 blob file, else null. */
    String blobHex() {
      var m = BLOB.matcher(name);
      return !directory && m.matches() ? m.group(1) : null;
    }

    /** True for a file under {@code blobs/} that is not a sha256 blob the store can hold. */
    boolean otherBlob() {
      return !directory && name.startsWith("blobs/") && blobHex() == null;
    }
  }

  /** The next entry, or null at the end of the archive. */
  Entry next() throws IOException {
    try {
      current = tar.getNextTarEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw damaged(e);
    }
    if (current == null) {
      return null;
    }
    String name = safeName(current.getName());
    if (current.isDirectory()) {
      return new Entry(name, true, 0);
    }
    if (current.isSymbolicLink() || current.isLink() || current.isCharacterDevice()
        || current.isBlockDevice() || current.isFIFO() || !current.isFile()) {
      throw new ArchiveException("the archive has an unsafe entry '" + printable(current.getName())
          + "' (" + kind(current) + "); a store archive holds only files and directories;"
          + " refusing it");
    }
    return new Entry(name, false, current.getSize());
  }

  /** Reads entry data; a failure here means the archive is cut or damaged. */
  int read(byte[] buffer) throws IOException {
    try {
      return tar.read(buffer, 0, buffer.length);
    } catch (IOException | IllegalArgumentException e) {
      throw damaged(e);
    }
  }

  /** The current (small) entry's bytes, refusing more than {@code limit}. */
  byte[] readSmall(Entry entry, int limit) throws IOException {
    if (entry.size() > limit) {
      throw new ArchiveException("the archive's " + entry.name() + " is " + entry.size()
          + " bytes, more than the " + limit + " it may have");
    }
    byte[] bytes = new byte[(int) entry.size()];
    int filled = 0;
    while (filled < bytes.length) {
      int n;
      try {
        n = tar.read(bytes, filled, bytes.length - filled);
      } catch (IOException | IllegalArgumentException e) {
        throw damaged(e);
      }
      if (n < 0) {
        throw truncated(entry);
      }
      filled += n;
    }
    return bytes;
  }

  static ArchiveException truncated(Entry entry) {
    return new ArchiveException("the archive is truncated: " + entry.name() + " ends early");
  }

  private static ArchiveException damaged(Exception e) {
    String why = e instanceof java.io.EOFException && e.getMessage() == null ? "it ends early"
        : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new ArchiveException("the archive is truncated or damaged (" + why + ")", e);
  }

  /** The name without {@code ./} prefixes; refuses absolute names and {@code ..}. */
  static String safeName(String raw) throws ArchiveException {
    if (raw.startsWith("/") || raw.indexOf('\0') >= 0 || raw.indexOf('\\') >= 0) {
      throw new ArchiveException("the archive has an unsafe entry '" + printable(raw)
          + "' (absolute or invalid path); refusing it");
    }
    String name = raw;
    while (name.startsWith("./")) {
      name = name.substring(2);
    }
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new ArchiveException("the archive has an unsafe entry '" + printable(raw)
            + "' (it climbs out with '..'); refusing it");
      }
    }
    return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
  }

  private static String kind(TarArchiveEntry e) {
    if (e.isSymbolicLink()) {
      return "symbolic link to " + printable(e.getLinkName());
    }
    if (e.isLink()) {
      return "hard link to " + printable(e.getLinkName());
    }
    if (e.isCharacterDevice() || e.isBlockDevice()) {
      return "device";
    }
    if (e.isFIFO()) {
      return "fifo";
    }
    return "tar entry type '" + (char) e.getLinkFlag() + "'";
  }

  private static String printable(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }
}
