package dev.lading.layer;

import dev.lading.layer.OwnershipMap.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Puts one layer's entries on disk: files with their bytes, symlinks, special files, and the mode,
 * times and (with privileges) owners of each. {@link LayerExtractor} decides where and whether; this
 * class only does the writing.
 *
 */
final class EntryWriter {
  /** What a tar header says about one path. */
  record Meta(Kind kind, int mode, long uid, long gid, FileTime mtime, int devMajor, int devMinor) {
    static Meta of(TarArchiveEntry e, Kind kind) {
      return new Meta(kind, e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(),
          e.getLastModifiedTime(), e.getDevMajor(), e.getDevMinor());
    }
  }

  private final String layer;
  private final boolean preserveOwnership;
  private final long maxBytes;
  private final Consumer<String> notes;
  private long written;
  // One copy buffer for the files written here: no garbage per entry.
  private final byte[] buffer = new byte[64 * 1024];

  EntryWriter(String layer, boolean preserveOwnership, long maxBytes, Consumer<String> notes) {
    this.layer = layer;
    this.preserveOwnership = preserveOwnership;
    this.maxBytes = maxBytes;
    this.notes = notes;
  }

  /** Bytes of file content written (sparse files count as expanded). */
  long written() {
    return written;
  }

  /** Creates the regular file {@code path} (which must not exist) with the entry's bytes and applies {@code meta}. */
  void file(Path path, InputStream data, Meta meta, String name) throws IOException {
    writeFile(path, data, name);
    applyMeta(path, meta, name);
  }

  private void count(long n, String name) throws LayerExtractionException {
    written += n;
    // Sparse entries expand beyond what is read; count what is written too.
    if (written > maxBytes) {
      throw new LayerExtractionException(layer, name, "layer expands beyond " + maxBytes + " bytes;"
          + " raise the limit with LayerExtractor.builder().maxUncompressedBytes(...) if the image is"
          + " trusted");
    }
  }

  private void writeFile(Path path, InputStream data, String name) throws IOException {
    try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      for (int n; (n = data.read(buffer)) >= 0; ) {
        count(n, name);
        out.write(buffer, 0, n);
      }
    }
  }

  void symlink(Path path, String target, String name) throws IOException {
    if (target.isEmpty() || target.indexOf('\0') >= 0) {
      throw fail(name, "symlink with an empty target");
    }
    if (Path.of(target).toString().equals(target)) {
      Files.createSymbolicLink(path, Path.of(target));
    } else {
      // Java normalises "a//b/" to "a/b"; ln stores the text verbatim.
      run(List.of("ln", "-s", "-T", "--", target, path.toString()), name);
    }
  }

  void special(Path path, Meta meta, String name) throws IOException {
    if (meta.kind() == Kind.FIFO) {
      run(List.of("mknod", "-m", "0600", "--", path.toString(), "p"), name);
    } else if (preserveOwnership) {
      run(List.of("mknod", "-m", "0600", "--", path.toString(),
          meta.kind() == Kind.CHAR_DEVICE ? "c" : "b",
          Integer.toString(meta.devMajor()), Integer.toString(meta.devMinor())), name);
    } else {
      // Without privileges a device cannot exist; an unreadable empty file holds its place and
      // the sidecar says what it should be.
      Files.createFile(path);
      notes.accept("device " + name + " created as an empty placeholder (no privileges)");
    }
  }

  /** Sets what {@code meta} says on disk: owner (with privileges), times and mode. */
  void applyMeta(Path path, Meta meta, String name) throws IOException {
    boolean symlink = meta.kind() == Kind.SYMLINK;
    if (preserveOwnership) {
      if (meta.uid() > Integer.MAX_VALUE || meta.gid() > Integer.MAX_VALUE) {
        throw new IOException("uid/gid " + meta.uid() + ":" + meta.gid() + " is out of range");
      }
      // Owner first: chown clears setuid/setgid, which chmod then sets.
      Files.setAttribute(path, "unix:uid", (int) meta.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", (int) meta.gid(), LinkOption.NOFOLLOW_LINKS);
    }
    if (isSpecialOnDisk(meta.kind())) {
      // The JDK's chmod and utimes open the file first, and opening a FIFO blocks until a writer
      // comes (opening a device may do worse): chmod(1) and touch(1) work on the path alone.
      FileTime t = meta.mtime();
      run(List.of("sh", "-c", "chmod \"$1\" \"$3\" && touch -h -d \"$2\" \"$3\"", "sh",
          Integer.toOctalString(diskMode(meta)), "@" + t.toInstant().getEpochSecond() + "."
          + String.format("%09d", t.toInstant().getNano()), path.toString()), name);
    } else {
      // Times first: the JDK opens the file to set them, which a mode of 0 (an unprivileged
      // device placeholder, a root-only file) would then forbid.
      Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(meta.mtime(), meta.mtime(), null);
      if (!symlink) {
        Files.setAttribute(path, "unix:mode", diskMode(meta), LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  /** True for what exists on disk as a FIFO or a device node (not as a placeholder file). */
  private boolean isSpecialOnDisk(Kind kind) {
    return kind == Kind.FIFO
        || (preserveOwnership && (kind == Kind.CHAR_DEVICE || kind == Kind.BLOCK_DEVICE));
  }

  private int diskMode(Meta meta) {
    if (preserveOwnership) {
      return meta.mode();
    }
    return switch (meta.kind()) {
      case DIRECTORY -> meta.mode() | 0700;
      case FILE -> meta.mode() | 0600;
      case CHAR_DEVICE, BLOCK_DEVICE -> 0;
      default -> meta.mode();
    };
  }

  private void run(List<String> command, String name) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw fail(name, command.get(0) + " did not finish");
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running " + command.get(0));
    }
    if (p.exitValue() != 0) {
      throw fail(name, command.get(0) + " failed: " + output
          + (preserveOwnership ? "; extract without privileges with preserveOwnership(false)" : ""));
    }
  }

  private LayerExtractionException fail(String entry, String message) {
    return new LayerExtractionException(layer, entry, message);
  }
}
