package dev.lading.store;

import java.io.IOException;
import java.nio.ByteBuffer;
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
 * Crash-safe file writes: temp file in the target's directory, fsync, atomic rename, fsync dir.
 * Public for the store's neighbours that keep small files beside it (the mirror's caches).
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Suffix of every temp file the store creates, so clean-up can recognise leftovers. */
  static final String TMP_SUFFIX = ".tmp";

  /** Replaces {@code target} with {@code bytes}; readers see the old or the new file, never a mix. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path dir = target.getParent();
    Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TMP_SUFFIX);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          ch.write(buffer);
        }
        ch.force(true);
      }
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
    syncDirectory(dir);
  }

  /**
   * As {@link #write}, unless {@code target} already holds exactly {@code bytes} (creating its directory
   * when needed): rewriting a ref or tag with its own value then costs one read, no fsync.
   *
   * @return false when nothing was written
   */
  static boolean writeIfChanged(Path target, byte[] bytes) throws IOException {
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
  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically: the store directory"
          + " must be on one local file system (do not mount another file system inside it)", e);
    }
  }

  /** Makes a rename or deletion in {@code dir} durable (where the platform allows it). */
  static void syncDirectory(Path dir) throws IOException {
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
