package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The size-capped part of gc ({@code lading store gc --max-size}): when the store is larger than the
 * cap, first the partial downloads go (they are only worth keeping while there is room), then named
 * images, least recently used first, each with the blobs no other name needs, until the store fits.
 *
 * <p>Runs under gc's exclusive lease, so no build or copy is running (they hold leases for their
 * whole run) and none of their blobs can go. Images used within the grace period are never evicted:
 * a build's base that a mirror client or a build just resolved stays, even if the store then stays
 * over the cap (the report says so). Blobs younger than the grace are kept for the same reason as
 * in plain gc: a registry push uploads blobs before the manifest that names them.
 */
final class SizeCap {
  /**
   * What fitting the store did.
   *
   * @param evicted the names removed, oldest use first
   * @param removedBlobs blobs deleted because only evicted names needed them
   * @param freed digests no name reaches any more (deleted, kept when young, or never present)
   * @param keptYoung blobs of {@code freed} kept because they are younger than the grace
   * @param partialsRemoved partial downloads deleted
   * @param partialBytes their bytes
   * @param blobBytes bytes of the deleted blobs
   * @param sizeAfter the store's size afterwards
   */
  record Result(List<String> evicted, List<Digest> removedBlobs, Set<Digest> freed, int keptYoung,
      int partialsRemoved, long partialBytes, long blobBytes, long sizeAfter) {}

  private final Layout layout;
  private final RefStore refs;
  private final RepositoryTags tags;

  SizeCap(Layout layout, RefStore refs, RepositoryTags tags) {
    this.layout = layout;
    this.refs = refs;
    this.tags = tags;
  }

  /**
   * Evicts until the store holds at most {@code maxBytes}. Caller holds the exclusive lease.
   *
   * @param named every name, least recently used first, with the blobs each reaches
   */
  Result fit(long maxBytes, Map<NamedImage.OnDisk, Set<Digest>> named, Instant cutoff)
      throws IOException {
    long size = totalBytes(layout.root());
    int partials = 0;
    long partialBytes = 0;
    if (size > maxBytes) {
      for (Path partial : StoreMaintenance.list(layout.ingest())) {
        long bytes = sizeOf(partial);
        if (StoreMaintenance.removePartial(layout, partial, Instant.MAX)) {
          partials++;
          partialBytes += bytes;
          size -= bytes;
        }
      }
    }
    Map<Digest, Integer> users = new HashMap<>();
    named.values().forEach(set -> set.forEach(d -> users.merge(d, 1, Integer::sum)));
    List<String> evicted = new ArrayList<>();
    List<Digest> removed = new ArrayList<>();
    Set<Digest> freed = new HashSet<>();
    long blobBytes = 0;
    int keptYoung = 0;
    boolean refsChanged = false;
    for (Map.Entry<NamedImage.OnDisk, Set<Digest>> e : named.entrySet()) {
      NamedImage.OnDisk name = e.getKey();
      // Read again: a mirror client may have used the tag since gc listed it (reads take no lease).
      if (size <= maxBytes || !LastUse.of(name.file()).isBefore(cutoff)) {
        break; // sorted by last use: every later name was used more recently
      }
      if (!delete(name)) {
        continue;
      }
      refsChanged |= !name.image().tag();
      evicted.add(name.image().name());
      for (Digest d : e.getValue()) {
        if (users.merge(d, -1, Integer::sum) > 0) {
          continue;
        }
        freed.add(d);
        Path blob = layout.blob(d);
        long bytes = sizeOf(blob);
        if (bytes < 0) {
          continue; // a base layer never fetched
        }
        if (StoreMaintenance.olderThan(blob, cutoff) && Files.deleteIfExists(blob)) {
          removed.add(d);
          blobBytes += bytes;
          size -= bytes;
        } else {
          keptYoung++;
        }
      }
    }
    if (!removed.isEmpty()) {
      AtomicFiles.syncDirectory(layout.blobs());
    }
    if (refsChanged) {
      try (ProcessLocks.Held lock = ProcessLocks.JVM.acquire(layout.indexLock(), false)) {
        refs.regenerateIndex();
      }
    }
    return new Result(evicted, removed, freed, keptYoung, partials, partialBytes, blobBytes,
        totalBytes(layout.root()));
  }

  private boolean delete(NamedImage.OnDisk name) throws IOException {
    if (name.image().tag()) {
      return tags.delete(name.repository(), name.tagName());
    }
    try (ProcessLocks.Held lock = ProcessLocks.JVM.acquire(layout.indexLock(), false)) {
      return refs.delete(name.image().name());
    }
  }

  /** Apparent size of every file under {@code root} (what a cache service's size limit counts). */
  static long totalBytes(Path root) throws IOException {
    long[] total = {0};
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          total[0] += attrs.size();
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE; // removed meanwhile, or unreadable: not ours to count
      }
    });
    return total[0];
  }

  /** The file's size, or -1 when it is gone. */
  static long sizeOf(Path file) throws IOException {
    try {
      return Files.size(file);
    } catch (NoSuchFileException e) {
      return -1;
    }
  }
}
