package dev.lading.transfer;

import dev.lading.io.AtomicFiles;
import dev.lading.io.NonClosingOutputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Tarballs of images ({@code docker-archive}, {@code oci-archive}): written reproducibly (sorted names,
 * fixed times and owners) and atomically, read by extracting into a private directory with every
 * path checked.
 */
final class Archives {
  private static final int BUFFER = 64 * 1024;
  private static final FileTime EPOCH = FileTime.fromMillis(0);

  private Archives() {}

  /** One file of an archive being written: its size must be known before its bytes. */
  interface Content {
    long size() throws IOException;

    /** Writes exactly {@link #size()} bytes. */
    void writeTo(OutputStream out) throws IOException;
  }

  static Content bytes(byte[] data) {
    return new Content() {
      @Override
      public long size() {
        return data.length;
      }

      @Override
      public void writeTo(OutputStream out) throws IOException {
        out.write(data);
      }
    };
  }

  static Content file(Path file) {
    return new Content() {
      @Override
      public long size() throws IOException {
        return Files.size(file);
      }

      @Override
      public void writeTo(OutputStream out) throws IOException {
        Files.copy(file, out);
      }
    };
  }

  /**
   * Writes a tar of {@code files} (names with '/' separators; parent directories are added) to
   * {@code target}: sorted, owner 0:0, mode 0644/0755, mtime 0, so equal content gives equal bytes.
   * Goes through a temp file in the target's directory and an atomic rename, so {@code target} is
   * never half-written.
   */
  static void writeTar(Path target, Map<String, Content> files) throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    AtomicFiles.write(target, out -> writeTar(out, files));
  }

  private static void writeTar(OutputStream out, Map<String, Content> files) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosingOutputStream(out), "UTF-8");
    try (tar) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
      java.util.TreeSet<String> dirs = new java.util.TreeSet<>();
      for (String name : files.keySet()) {
        for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
          dirs.add(name.substring(0, slash + 1));
        }
      }
      java.util.TreeMap<String, Content> all = new java.util.TreeMap<>(files);
      for (String d : dirs) {
        all.put(d, null);
      }
      for (Map.Entry<String, Content> e : all.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
        entry.setUserName(""); // commons-compress would put the JVM's user.name here
        entry.setGroupName("");
        entry.setIds(0, 0);
        entry.setModTime(EPOCH);
        if (e.getValue() == null) {
          entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE);
          tar.putArchiveEntry(entry);
        } else {
          long size = e.getValue().size();
          entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE);
          entry.setSize(size);
          tar.putArchiveEntry(entry);
          CountingOutputStream counted = new CountingOutputStream(tar);
          e.getValue().writeTo(counted);
          if (counted.count != size) {
            throw new IOException("archive member " + e.getKey() + " changed while it was written ("
                + counted.count + " bytes instead of " + size + ")");
          }
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
  }

  /** gzip with a fixed header (mtime 0, no name, OS "unknown"), as Lading's layer writer uses. */
  static OutputStream reproducibleGzip(OutputStream out) throws IOException {
    GzipParameters gzip = new GzipParameters();
    gzip.setModificationTime(0);
    gzip.setOperatingSystem(255);
    gzip.setBufferSize(BUFFER);
    return new GzipCompressorOutputStream(out, gzip);
  }

  /** The first bytes of a file, to tell compressions apart. */
  static byte[] magic(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(4);
    }
  }


  /**
   * Extracts an image tarball into {@code target} (which must be empty). Only regular files and
   * directories are written; every name must stay inside {@code target}. Symlinks between members
   * (old {@code docker save} archives link duplicate layers) become copies of their target member.
   *
   * @throws java.nio.file.NoSuchFileException when the archive does not exist
   */
  static void extract(Path archive, Path target, String what) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    Map<Path, Path> links = new LinkedHashMap<>();
    try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), BUFFER);
        TarArchiveInputStream tar = new TarArchiveInputStream(file, "UTF-8")) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = inside(root, entry.getName(), what);
        if (path == null) {
          continue;
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          links.put(path, inside(root, path.getParent(), entry.getLinkName(), what));
        } else if (entry.isLink()) {
          links.put(path, inside(root, entry.getLinkName(), what));
        } else if (entry.isFile()) {
          Files.createDirectories(path.getParent());
          try {
            Files.copy(tar, path);
          } catch (FileAlreadyExistsException e) {
            throw new IOException(what + ": " + entry.getName() + " appears twice; the archive is not a"
                + " valid image tarball", e);
          }
        }
        // Other kinds (devices, fifos) have no place in an image tarball: skipped.
      }
    } catch (IllegalArgumentException e) {
      throw new IOException(what + ": " + archive + " is not a valid tar archive (" + e.getMessage() + ")", e);
    }
    // Links last: their targets may come later in the archive.
    List<Path> pending = new ArrayList<>(links.keySet());
    for (int round = 0; !pending.isEmpty() && round <= links.size(); round++) {
      List<Path> next = new ArrayList<>();
      for (Path link : pending) {
        Path to = links.get(link);
        if (to != null && Files.isRegularFile(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(link.getParent());
          Files.copy(to, link, StandardCopyOption.REPLACE_EXISTING);
        } else {
          next.add(link);
        }
      }
      pending = next;
    }
  }

  /** {@code name} resolved under {@code root}, or an error when it would leave it; null for the root. */
  private static Path inside(Path root, String name, String what) throws IOException {
    return inside(root, root, name, what);
  }

  private static Path inside(Path root, Path base, String name, String what) throws IOException {
    if (name.startsWith("/") || name.contains("\0")) {
      throw new IOException(what + ": archive member '" + name + "' has an absolute or invalid path;"
          + " refusing the archive");
    }
    Path path = base.resolve(name).normalize();
    if (!path.startsWith(root)) {
      throw new IOException(what + ": archive member '" + name + "' points outside the archive;"
          + " refusing the archive");
    }
    return path.equals(root) ? null : path;
  }

  /** Counts what passes, without closing the stream below when closed. */
  static final class CountingOutputStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void close() {
      // the tar stream stays open for the next member
    }
  }
}
