package dev.lading.layer;

import dev.lading.io.DaemonThreads;
import dev.lading.io.Futures;
import dev.lading.layer.OwnershipMap.Kind;
import java.io.EOFException;
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
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Puts one layer's entries on disk: files with their bytes, symlinks, special files, and the mode,
 * times and (with privileges) owners of each. {@link LayerExtractor} decides where and whether; this
 * class only does the writing.
 *
 * <p>Creating a small file costs the kernel far more than copying its bytes, and a layer holds
 * thousands, so small files are written on other cores: their bytes are read from the tar here (the
 * tar is a single stream) and the create, write, times and mode happen on a pool thread. The caller
 * keeps the order safe with {@link #awaitAll()} before anything that looks at or removes what may still
 * be pending (whiteouts, replacing a path, hardlinks to it, the final directory times), and
 * {@link #isPending} for single paths. A failed background write is reported, naming its entry, by
 * the next {@link #file} that finds it failed or at the latest by {@link #awaitAll()}.
 */
final class EntryWriter implements AutoCloseable {
  private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
  // Files up to this size go to the pool; larger ones are written here, where they stream.
  private static final int BACKGROUND_MAX = 1 << 20;
  // Bytes held in memory for pending files, and how many files may be pending.
  private static final long PENDING_BYTES_MAX = 16L << 20;
  private static final int PENDING_FILES_MAX = 256;

  private static final class Pool {
    static final ExecutorService INSTANCE = Executors.newFixedThreadPool(THREADS, DaemonThreads.named("lading-unpack"));
  }

  /** What a tar header says about one path. */
  record Meta(Kind kind, int mode, long uid, long gid, FileTime mtime, int devMajor, int devMinor) {
    static Meta of(TarArchiveEntry e, Kind kind) {
      return new Meta(kind, e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(),
          e.getLastModifiedTime(), e.getDevMajor(), e.getDevMinor());
    }
  }

  private record Pending(CompletableFuture<Void> done, int bytes) {}

  private final String layer;
  private final boolean preserveOwnership;
  private final long maxBytes;
  private final Consumer<String> notes;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final Set<Path> pendingPaths = new HashSet<>();
  private long pendingBytes;
  private long written;
  // One copy buffer for the files written here: no garbage per entry.
  private final byte[] buffer = new byte[64 * 1024];

  EntryWriter(String layer, boolean preserveOwnership, long maxBytes, Consumer<String> notes) {
    this.layer = layer;
    this.preserveOwnership = preserveOwnership;
    this.maxBytes = maxBytes;
    this.notes = notes;
  }

  /** Whether {@code path} may still be being written in the background. */
  boolean isPending(Path path) {
    return pendingPaths.contains(path);
  }

  /**
   * Creates the regular file {@code path} (which must not exist) with the entry's bytes and applies
   * {@code meta}; small files complete in the background.
   */
  void file(Path path, TarArchiveEntry e, InputStream data, Meta meta, String name) throws IOException {
    rethrowFailure();
    long size = e.getSize();
    if (e.isSparse() || size > BACKGROUND_MAX || THREADS == 1) {
      writeFile(path, data, name);
      applyMeta(path, meta, name);
      return;
    }
    byte[] bytes = data.readNBytes((int) size);
    if (bytes.length != size) {
      throw new EOFException();
    }
    count(bytes.length, name);
    while (!pending.isEmpty()
        && (pending.size() >= PENDING_FILES_MAX || pendingBytes + bytes.length > PENDING_BYTES_MAX)) {
      Pending oldest = pending.poll();
      pendingBytes -= oldest.bytes();
      Futures.await(oldest.done(), "writing files");
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    pending.add(new Pending(done, bytes.length));
    pendingPaths.add(path);
    pendingBytes += bytes.length;
    Pool.INSTANCE.execute(() -> {
      try {
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
          out.write(bytes);
        }
        applyMeta(path, meta, name);
        done.complete(null);
      } catch (IOException ex) {
        done.completeExceptionally(new LayerExtractionException(layer, name, LayerExtractor.describe(ex), ex));
      } catch (Throwable ex) {
        done.completeExceptionally(ex);
      }
    });
  }

  /** Waits for every file still being written; throws the first failure among them. */
  void awaitAll() throws IOException {
    try {
      while (!pending.isEmpty()) {
        Futures.await(pending.poll().done(), "writing files");
      }
    } finally {
      pendingBytes = 0;
      pendingPaths.clear();
    }
  }

  /** Waits for what is still pending and drops its failures: the extraction already failed. */
  @Override
  public void close() {
    while (!pending.isEmpty()) {
      try {
        pending.poll().done().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException ignored) {
        // the first failure was, or will not be, reported
      }
    }
    pendingPaths.clear();
  }

  private void rethrowFailure() throws IOException {
    Pending head = pending.peek();
    if (head != null && head.done().isCompletedExceptionally()) {
      awaitAll();
    }
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
