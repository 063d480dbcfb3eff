package dev.lading.store;

import dev.lading.digest.Digest;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The store's file system is full. Says where the space went and how to get it back, because a
 * store that stays full (partial downloads are kept to resume them) otherwise only yields to
 * {@code rm}. Nothing half-written becomes visible: the blob's writer aborts as on any failure.
 */
public final class StoreFullException extends IOException {
  private static final String ENOSPC = "No space left on device";

  private StoreFullException(String message, IOException cause) {
    super(message, cause);
  }

  /** {@code e} itself, or a StoreFullException around it when it is the file system being full. */
  static IOException wrap(IOException e, Layout layout, Digest digest) {
    if (e instanceof StoreFullException || !isNoSpace(e)) {
      return e;
    }
    long partials = 0;
    for (Path partial : safeList(layout.ingest())) {
      partials += Math.max(0, safeSize(partial));
    }
    String free = "";
    try {
      FileStore fs = Files.getFileStore(layout.root());
      free = ", " + human(fs.getUsableSpace()) + " free of " + human(fs.getTotalSpace());
    } catch (IOException ignored) {
      // the message is useful without it
    }
    return new StoreFullException(ENOSPC + " while writing " + (digest == null ? "a blob"
        : digest.toString()) + " into the store " + layout.root() + " (its file system" + free
        + (partials > 0 ? "; partial downloads kept to resume them: " + human(partials) : "")
        + "). Free space there, or reclaim the store's own: `lading store gc --grace 0s` deletes"
        + " partial downloads and unreferenced blobs, and `lading store gc --max-size SIZE` (Maven:"
        + " <storeMaxSize>) also evicts the least recently used images", e);
  }

  static boolean isNoSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(ENOSPC)) {
        return true;
      }
    }
    return false;
  }

  private static Iterable<Path> safeList(Path dir) {
    try {
      return StoreMaintenance.list(dir);
    } catch (IOException e) {
      return java.util.List.of();
    }
  }

  private static long safeSize(Path file) {
    try {
      return SizeCap.sizeOf(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private static String human(long bytes) {
    return bytes < 10L << 20 ? (bytes >> 10) + " KiB" : (bytes >> 20) + " MiB";
  }
}
