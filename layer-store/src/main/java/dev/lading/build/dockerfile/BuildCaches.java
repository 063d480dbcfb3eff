package dev.lading.build.dockerfile;

import dev.lading.io.FileTrees;
import dev.lading.store.CacheLock;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directories of {@code RUN --mount=type=cache} kept in a store, for {@code lading store
 * prune-cache}: they are no blobs, so gc never touches them; pruning deletes them, except those a
 * running build holds.
 */
public final class BuildCaches {
  private BuildCaches() {}

  /**
   * What a prune did.
   *
   * @param removed the ids of the caches deleted
   * @param bytes the bytes their files took
   * @param inUse the ids of the caches kept because a build uses them now
   */
  public record Pruned(List<String> removed, long bytes, List<String> inUse) {}

  /** Deletes every cache ({@code id} null) or the cache {@code id}, skipping caches in use. */
  public static Pruned prune(Store store, String id) throws IOException {
    Path root = store.workAreas().cacheDirectory(CacheEntries.CACHE_NAME);
    List<String> removed = new ArrayList<>();
    List<String> inUse = new ArrayList<>();
    long bytes = 0;
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
      dirs.forEach(entries::add);
    } catch (NoSuchFileException none) {
      return new Pruned(removed, 0, inUse);
    }
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      String cacheId = cacheId(entry);
      // By the id written in it: a cache seeded from= a stage has an entry per seed, under one id.
      if (id != null && !name.equals(CacheEntries.entryName(id)) && !cacheId.equals(id)) {
        continue;
      }
      // Exclusive and without waiting: a build using the cache (any sharing) holds the lock.
      try (CacheLock lock = store.workAreas().lockCacheEntry(CacheEntries.CACHE_NAME, name, false, false)) {
        if (lock == null) {
          inUse.add(cacheId);
          continue;
        }
        long size = size(entry);
        // The lock file beside the entry stays: another process may be waiting on it.
        FileTrees.deleteTree(entry);
        removed.add(cacheId);
        bytes += size;
      }
    }
    return new Pruned(removed, bytes, inUse);
  }

  private static String cacheId(Path entry) throws IOException {
    Path file = entry.resolve("id");
    return Files.exists(file) ? Files.readString(file).strip() : entry.getFileName().toString();
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }
}
