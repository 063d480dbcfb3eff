package dev.lading.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The store's private work areas, beside its blobs and refs ({@link Store#workAreas}): temp
 * directories on the blobs' file system (so what is made there can be moved into the store), owned
 * ones that a killed owner's successor removes, and the caches kept with the store. OCI tools ignore
 * all of it.
 */
public final class StoreWorkAreas {
  private final Layout layout;

  StoreWorkAreas(Layout layout) {
    this.layout = layout;
  }

  /**
   * A new, empty private working directory inside the store (on one file system with the blobs, so
   * its files can be moved into the store; fsck removes it if its owner dies). The caller deletes it.
   */
  public Path newTempDirectory(String prefix) throws IOException {
    Files.createDirectories(layout.tmp());
    return Files.createTempDirectory(layout.tmp(), prefix);
  }

  /**
   * As {@link #newTempDirectory}, for a working directory that may be left behind by a killed owner
   * and is removed by the next {@link #removeAbandonedTempDirectories} once its owner is gone, not
   * after an age (see {@link OwnedTempDirectory}). Closing it deletes it.
   */
  public OwnedTempDirectory newOwnedTempDirectory(String prefix) throws IOException {
    return OwnedTempDirectory.create(layout.tmp(), prefix);
  }

  /**
   * Deletes the {@linkplain #newOwnedTempDirectory owned directories} whose owner is gone; fsck and gc
   * do it too.
   *
   * @return the directories deleted
   */
  public List<Path> removeAbandonedTempDirectories() throws IOException {
    return OwnedTempDirectory.removeAbandoned(layout.tmp(), lentCaches());
  }

  /**
   * The file in a cache entry's directory ({@code cacheDirectory(name)/ENTRY/}) whose first line
   * says where the entry's data is while it is lent into an owned directory (a build's root, for a
   * step's {@code RUN --mount=type=cache}); the borrower deletes it once the data is back.
   */
  public static final String LENT_NOTE = "away";

  /**
   * Whether an owned directory holds a cache entry's data that a {@link #LENT_NOTE} says is lent
   * there. A borrower killed mid-step leaves it so, and the cache's next user moves it back (which
   * takes the build's knowledge of roots); until then no sweep may delete it with the directory.
   * Read once, on the first question: most sweeps find nothing abandoned and never ask. When the
   * caches cannot be read (another user's, in a shared store), every directory is kept: the sweep
   * is best effort and must lose nothing.
   */
  public Predicate<Path> lentCaches() {
    return new Predicate<>() {
      private Optional<List<Path>> lent;

      @Override
      public boolean test(Path dir) {
        if (lent == null) {
          lent = readLentNotes();
        }
        return lent.isEmpty() || lent.get().stream().anyMatch(p -> p.startsWith(dir));
      }
    };
  }

  /** Where the caches' lent notes say their data is; empty when the caches cannot be read. */
  private Optional<List<Path>> readLentNotes() {
    List<Path> lent = new ArrayList<>();
    try {
      for (Path cache : StoreMaintenance.list(layout.privateDir().resolve("cache"))) {
        for (Path entry : StoreMaintenance.list(cache)) {
          Path note = entry.resolve(LENT_NOTE);
          if (Files.isRegularFile(note)) {
            try {
              List<String> lines = Files.readAllLines(note);
              if (!lines.isEmpty()) {
                lent.add(Path.of(lines.get(0).strip()));
              }
            } catch (IOException | InvalidPathException unreadable) {
              // gone since, or being written (the data has not moved yet)
            }
          }
        }
      }
    } catch (IOException unreadable) {
      return Optional.empty();
    }
    return Optional.of(lent);
  }

  /**
   * A working directory that {@link #newTempDirectory} made, found again by its file name (a registry
   * upload session spans many requests); empty when there is none, e.g. after fsck removed it as stale.
   *
   * @throws IllegalArgumentException when {@code name} is not a plain file name
   */
  public Optional<Path> tempDirectory(String name) {
    if (name == null || !name.matches("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")) {
      throw new IllegalArgumentException("not a temp directory name: '" + name + "'");
    }
    Path dir = layout.tmp().resolve(name);
    return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? Optional.of(dir)
        : Optional.empty();
  }

  /**
   * The private directory of the cache named {@code name} (e.g. the build's layer cache), kept with
   * the store; the cache creates it when it first writes. OCI tools ignore it.
   */
  public Path cacheDirectory(String name) {
    if (!name.matches("[a-z0-9][a-z0-9-]*")) {
      throw new IllegalArgumentException("bad cache name '" + name + "': use lower-case letters, digits, '-'");
    }
    return layout.privateDir().resolve("cache").resolve(name);
  }

  /**
   * Locks the entry {@code entry} of the cache {@code name} ({@link #cacheDirectory}) through the
   * file {@code entry.lock} beside it, shared or exclusive, against other threads and processes.
   * Lock files are never deleted (deleting one while another process waits on it would let two
   * holders in).
   *
   * @param wait whether to wait for the lock; when false and it is taken elsewhere, null
   */
  public CacheLock lockCacheEntry(String name, String entry, boolean shared, boolean wait)
      throws IOException {
    if (!entry.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("bad cache entry name '" + entry + "'");
    }
    Path dir = Files.createDirectories(cacheDirectory(name));
    Path file = dir.resolve(entry + ".lock");
    ProcessLocks.Held held = wait ? ProcessLocks.JVM.acquire(file, shared)
        : ProcessLocks.JVM.tryAcquire(file, shared);
    return held == null ? null : new CacheLock(held);
  }
}
