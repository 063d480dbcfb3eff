package dev.lading.build.dockerfile;

import dev.lading.digest.Digest;
import dev.lading.dockerfile.Instruction.CacheMount;
import dev.lading.io.FileTrees;
import dev.lading.store.CacheLock;
import dev.lading.store.Store;
import dev.lading.store.StoreWorkAreas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The store's directories of {@code RUN --mount=type=cache} ({@code mounts/<entry>/data}, one entry
 * per cache id, or per id and seed) and how a step takes one, by the mount's sharing as BuildKit
 * defines it: {@code locked} waits for every other user; {@code shared} lets steps of several builds
 * use the cache at once where the executor binds, and waits where the directory has to be moved (it
 * can be in one root only); {@code private} takes the cache when it is free and otherwise gives the
 * step a new directory that is dropped afterwards. A read-only mount is a copy of the cache, dropped
 * after the step. Where the directory then goes is {@link CacheMounts}'s business.
 */
final class CacheEntries {
  /** The store cache directory holding the entries. */
  static final String CACHE_NAME = "mounts";

  /**
   * What a new cache of {@code RUN --mount=type=cache,from=...} starts as: a directory of another
   * stage or image.
   */
  interface Seed {
    /** What the cache key says of the seed (the stage's key, the image's digest, and the path). */
    String identity();

    /** Makes {@code dir}, which does not exist, a copy of the seed's directory. */
    void copyTo(Path dir) throws IOException;
  }

  /** Makes a new, empty place for a directory of the step's own: a path in a new directory. */
  interface Temporaries {
    Path next(String prefix) throws IOException;
  }

  /**
   * A cache taken for one step.
   *
   * @param data the entry's directory in the store
   * @param journal the entry's lent note (where the data is while it is in a root)
   * @param source the directory the step sees: {@code data}, or a temporary one of its own
   * @param temporary whether {@code source} is the step's own, dropped afterwards
   * @param lock held while the step uses {@code data}; null for a temporary directory
   */
  record Taken(Path data, Path journal, Path source, boolean temporary, CacheLock lock) {}

  private final Store store;
  private final Path root;
  private final Temporaries temporaries;
  private final Consumer<String> log;

  CacheEntries(Store store, Temporaries temporaries, Consumer<String> log) {
    this.store = store;
    this.root = store.workAreas().cacheDirectory(CACHE_NAME);
    this.temporaries = temporaries;
    this.log = log;
  }

  /** The entry name of cache id {@code id}: a hash, so that any id is a safe file name. */
  static String entryName(String id) {
    return Digest.of(id.getBytes(StandardCharsets.UTF_8)).hex();
  }

  /** The entry of mount {@code m}: one per id, or per id and seed, as BuildKit keys it with from=. */
  static String entryName(CacheMount m, Seed seed) {
    return entryName(seed == null ? m.cacheId() : m.cacheId() + "\0" + seed.identity());
  }

  /**
   * Takes the cache {@code entry} of mount {@code m} for a step, per its sharing; a new seeded
   * cache is first made a copy of its seed.
   *
   * @param bind whether the executor binds (else the directory is moved into the root)
   */
  Taken take(CacheMount m, String entry, boolean bind, Seed seed) throws IOException {
    Path dir = root.resolve(entry);
    Path data = dir.resolve("data");
    Path journal = dir.resolve(StoreWorkAreas.LENT_NOTE);
    String sharing = m.sharing();
    Taken taken;
    if (m.readOnly()) {
      // A read-only mount is a copy: the cache is only read, under a shared lock, for the copy.
      try (CacheLock lock = sharedLock(entry, data, journal, seed)) {
        Path copy = temporaries.next("ro-cache-");
        if (Files.isDirectory(data)) {
          Files.createDirectories(copy);
          TreeCopy.copy(data, copy);
        } else if (seed != null) {
          seed.copyTo(copy);
        }
        taken = new Taken(data, journal, copy, true, null);
      }
    } else if (sharing.equals("private")) {
      CacheLock lock = store.workAreas().lockCacheEntry(CACHE_NAME, entry, false, false);
      if (lock == null) {
        log.accept("cache " + m.cacheId() + " is in use by another build: this step gets an empty"
            + " private directory (sharing=private)");
        Path own = temporaries.next("private-cache-");
        if (seed != null) {
          seed.copyTo(own);
        }
        taken = new Taken(data, journal, own, true, null);
      } else {
        taken = new Taken(data, journal, data, false, lock);
        recoverAndSeed(taken, seed);
      }
    } else if (sharing.equals("shared") && bind) {
      taken = new Taken(data, journal, data, false, sharedLock(entry, data, journal, seed));
    } else {
      // locked, or shared where the directory must move into the root: one user at a time.
      CacheLock lock = store.workAreas().lockCacheEntry(CACHE_NAME, entry, false, false);
      if (lock == null) {
        log.accept("waiting for cache " + m.cacheId() + ", in use by another build"
            + (sharing.equals("shared") ? " (fakechroot moves the cache into the root, so a shared"
            + " cache has one user at a time)" : ""));
        lock = store.workAreas().lockCacheEntry(CACHE_NAME, entry, false, true);
      }
      taken = new Taken(data, journal, data, false, lock);
      recoverAndSeed(taken, seed);
    }
    try {
      if (!taken.temporary()) {
        // Under the lock: a prune may have deleted the entry meanwhile.
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("id"), m.cacheId() + "\n");
      }
      prepare(taken.source(), m);
      return taken;
    } catch (IOException | RuntimeException e) {
      if (taken.lock() != null) {
        taken.lock().close();
      }
      throw e;
    }
  }

  /** Under the entry's exclusive {@code taken.lock()}: the data back in place, a new cache seeded. */
  private static void recoverAndSeed(Taken taken, Seed seed) throws IOException {
    try {
      LentCaches.recover(taken.data(), taken.journal());
      seedIfNew(taken.data(), seed);
    } catch (IOException | RuntimeException e) {
      taken.lock().close();
      throw e;
    }
  }

  /**
   * A shared lock on a cache whose directory is in place: a directory left in a dead build's root
   * is moved back first, and a new seeded cache seeded, which needs the exclusive lock.
   */
  private CacheLock sharedLock(String entry, Path data, Path journal, Seed seed) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try (CacheLock exclusive = store.workAreas().lockCacheEntry(CACHE_NAME, entry, false, true)) {
        LentCaches.recover(data, journal);
        seedIfNew(data, seed);
      }
      CacheLock shared = store.workAreas().lockCacheEntry(CACHE_NAME, entry, true, true);
      if (Files.isDirectory(data) || attempt == 10) {
        return shared;
      }
      shared.close(); // an exclusive user took it in between: it moves it back when done
    }
  }

  /**
   * Makes a new seeded cache's data a copy of its seed; the caller holds the entry exclusively.
   * Copied beside it and renamed into place: a build killed while copying leaves no half cache.
   */
  private static void seedIfNew(Path data, Seed seed) throws IOException {
    if (seed == null || Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path copy = data.resolveSibling("data.seeding");
    if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
      FileTrees.deleteTree(copy); // a killed build's
    }
    Files.createDirectories(copy.getParent());
    seed.copyTo(copy);
    Files.move(copy, data, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Creates the cache directory on first use with BuildKit's mode (default 0755). */
  private static void prepare(Path dir, CacheMount m) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(dir);
    int mode = m.mode().map(s -> Integer.parseInt(s, 8)).orElse(0755);
    // The building user must be able to write it whatever mode the image is told it has.
    Files.setPosixFilePermissions(dir, permissions(mode | 0700));
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        set.add(all[i]);
      }
    }
    return set;
  }
}
