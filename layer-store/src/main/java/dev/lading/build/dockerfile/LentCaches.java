package dev.lading.build.dockerfile;

import dev.lading.exec.HostRootedLinks;
import dev.lading.io.FileErrors;
import dev.lading.store.CacheLock;
import dev.lading.store.Store;
import dev.lading.store.StoreWorkAreas;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cache directories of {@code RUN --mount=type=cache} while they are lent into a build's root (an
 * executor that cannot bind gets the directory moved in for the step): a note in the cache entry
 * ({@link StoreWorkAreas#LENT_NOTE}) says where, so that a build killed during the step loses
 * nothing. The next user of the entry, or the next build before it sweeps the roots of dead builds,
 * moves the directory back; the store's own sweeps keep a root that holds one meanwhile.
 */
final class LentCaches {
  private LentCaches() {}

  /**
   * Notes, before the move, that the cache entry's data goes to {@code host} in the root
   * {@code rootfs} (whose path the links inside then hold, see {@link #recover}).
   */
  static void lend(Path note, Path host, Path rootfs) throws IOException {
    Files.writeString(note, host + "\n" + rootfs + "\n");
  }

  /**
   * Moves back every cache directory left in the root of a build that died and whose entry nobody
   * uses now, before that root is removed (WorkDirectory): else the next user of the cache would
   * find it gone with the root. Best effort, as the sweep it comes before: caches that cannot be
   * read (another user's, in a shared store) or an entry that cannot be moved back fail no build;
   * the sweep then keeps the root the note names (StoreWorkAreas#lentCaches), so nothing is lost.
   */
  static void recoverAbandoned(Store store, Consumer<String> log) {
    Path root = store.workAreas().cacheDirectory(CacheEntries.CACHE_NAME);
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root,
        dir -> Files.exists(dir.resolve(StoreWorkAreas.LENT_NOTE)))) {
      dirs.forEach(entries::add);
    } catch (NoSuchFileException none) {
      return;
    } catch (IOException | DirectoryIteratorException unreadable) {
      log.accept("cache mounts: cannot read " + root + " (" + FileErrors.describe(unreadable)
          + "); caches left in the roots of dead builds stay there until a build can");
      return;
    }
    for (Path dir : entries) {
      // Without waiting: a build holding the entry has it in its root for a reason.
      try (CacheLock lock = store.workAreas().lockCacheEntry(CacheEntries.CACHE_NAME,
          dir.getFileName().toString(), false, false)) {
        if (lock != null) {
          recover(dir.resolve("data"), dir.resolve(StoreWorkAreas.LENT_NOTE));
        }
      } catch (IOException | RuntimeException e) {
        log.accept("cache mounts: could not move the cache " + dir.getFileName() + " back from the root of a"
            + " dead build (" + FileErrors.describe(e) + "); that root is kept until a build can");
      }
    }
  }

  /**
   * Moves a cache directory left in the root of a build that died back to {@code data}, its links
   * no longer rooted at that build's root; the caller holds the entry exclusively.
   */
  static void recover(Path data, Path note) throws IOException {
    if (Files.isDirectory(data) || !Files.exists(note)) {
      Files.deleteIfExists(note);
      return;
    }
    List<String> lines = Files.readAllLines(note);
    if (lines.isEmpty()) { // killed while writing it: the cache had not moved yet
      Files.delete(note);
      return;
    }
    Path left = Path.of(lines.get(0).strip());
    if (Files.isDirectory(left, LinkOption.NOFOLLOW_LINKS)) {
      if (lines.size() > 1) {
        HostRootedLinks.unrootUnder(left, Path.of(lines.get(1)));
      }
      Files.move(left, data, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.deleteIfExists(note);
  }
}
