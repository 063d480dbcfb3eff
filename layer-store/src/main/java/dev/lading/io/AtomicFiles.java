package dev.lading.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.UUID;

/**
 * File writes that readers and crashes never see half done: a temp file beside the target
 * ({@code .NAME.UUID.tmp}), written, fsynced where the write must survive a crash, and renamed over
 * the target. Every file the store, the build caches, the mirror and the exports write goes through
 * here.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Suffix of every temp file written here, so that the store's clean-up recognises leftovers. */
  public static final String TMP_SUFFIX = ".tmp";

  /** What a write puts in the file, streamed. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Replaces {@code target} with {@code bytes} durably: once this returns, a crash leaves the new
   * file; before, the old one. Readers see the old or the new file, never a mix.
   */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** As {@link #write(Path, byte[])}, for content written as a stream (archives). */
  public static void write(Path target, Content content) throws IOException {
    writeVia(target, content, true);
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /**
   * Replaces {@code target} with {@code bytes} for readers (old or new, never a mix), without an
   * fsync: for what a crash may lose (caches, build outputs written again by the next run).
   */
  public static void replace(Path target, byte[] bytes) throws IOException {
    writeVia(target, out -> out.write(bytes), false);
  }

  private static void writeVia(Path target, Content content, boolean sync) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TMP_SUFFIX);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
        content.writeTo(out);
        out.flush();
        if (sync) {
          ch.force(true);
        }
      }
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * As {@link #write}, unless {@code target} already holds exactly {@code bytes} (creating its directory
   * when needed): rewriting a ref or tag with its own value then costs one read, no fsync.
   *
   * @return false when nothing was written
   */
  public static boolean writeIfChanged(Path target, byte[] bytes) throws IOException {
    try {
      if (Arrays.equals(Files.readAllBytes(target), bytes)) {
        return false;
      }
    } catch (NoSuchFileException absent) {
      Files.createDirectories(target.getParent());
    }
    write(target, bytes);
    return true;
  }

  /** Atomically renames {@code from} to {@code to}, replacing it. Both must be on one file system. */
  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically: both must be on one"
          + " local file system (for a store: do not mount another file system inside it)", e);
    }
  }

  /** Makes a rename or deletion in {@code dir} durable (where the platform allows it). */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open directories; the rename is still atomic there.
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw e;
      }
    }
  }
}
