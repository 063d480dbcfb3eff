package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import dev.lading.io.FileTrees;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The store's upkeep, apart from its reads and writes: fsck (re-hash, quarantine, report what is
 * missing), the sweep of what crashed writers left, and gc (mark from refs and tags, then delete).
 * {@link Store}'s methods of the same names delegate here.
 */
final class StoreMaintenance {
  private static final Pattern HEX = Pattern.compile("[a-f0-9]{64}");

  private final Store store;
  private final Layout layout;
  private final RefStore refs;
  private final RepositoryTags tags;

  StoreMaintenance(Store store, Layout layout, RefStore refs, RepositoryTags tags) {
    this.store = store;
    this.layout = layout;
    this.refs = refs;
    this.tags = tags;
  }

  /**
   * Checks the store: re-hashes every blob and moves corrupt ones to {@code .lading/quarantine/},
   * reports refs and repository tags whose blobs are missing, moves tag files that do not hold a
   * descriptor to the quarantine too, deletes temp files and partial downloads older than
   * {@code tempMaxAge}, and rewrites {@code index.json} when it does not match the refs. Runs
   * alongside writers.
   */
  FsckReport fsck(Duration tempMaxAge) throws IOException {
    // A store this process cannot write (a read-only mount, another user's store) is only checked:
    // what a repair would move, delete or rewrite is reported instead.
    boolean repair = WriteAccess.writable(layout);
    int checked = 0;
    long bytes = 0;
    List<FsckReport.Quarantined> quarantined = new ArrayList<>();
    try (DirectoryStream<Path> blobs = Files.newDirectoryStream(layout.blobs())) {
      for (Path blob : blobs) {
        String name = blob.getFileName().toString();
        Digest actual;
        try {
          if (!Files.isRegularFile(blob)) {
            continue;
          }
          actual = Digest.of(blob);
          bytes += Files.size(blob);
        } catch (NoSuchFileException goneMeanwhile) {
          continue; // removed by a concurrent gc
        }
        checked++;
        if (!HEX.matcher(name).matches() || !actual.hex().equals(name)) {
          quarantined.add(new FsckReport.Quarantined(name, actual, repair ? quarantine(blob) : null));
        }
      }
    }
    List<Path> removed = new ArrayList<>(repair ? removeStaleTempFiles(tempMaxAge) : List.of());
    List<FsckReport.Missing> missing = new ArrayList<>();
    List<FsckReport.Lazy> lazy = new ArrayList<>();
    Set<Digest> seen = new HashSet<>();
    for (StoreRef ref : refs.all()) {
      checkImage(ref.name(), ref.descriptor(), seen, missing, lazy);
    }
    RepositoryTags.Scan scan = tags.scan();
    List<FsckReport.QuarantinedTag> quarantinedTags = new ArrayList<>();
    for (RepositoryTags.TagFile tag : scan.tags()) {
      Descriptor target;
      try {
        target = RepositoryTags.readFile(tag.file());
      } catch (NoSuchFileException deletedMeanwhile) {
        continue;
      } catch (RepositoryTags.CorruptTagException e) {
        if (repair) {
          quarantineTag(tag).ifPresent(quarantinedTags::add);
        } else {
          quarantinedTags.add(new FsckReport.QuarantinedTag(tag.repository(), tag.tag(), e.getMessage(), null));
        }
        continue;
      }
      checkImage(tag.repository() + ":" + tag.tag(), target, seen, missing, lazy);
    }
    if (!repair) {
      boolean stale = !Arrays.equals(readIfPresent(layout.index()), refs.indexBytes());
      return new FsckReport(checked, bytes, quarantined, missing, lazy, removed, stale, quarantinedTags,
          false);
    }
    Instant cutoff = Instant.now().minus(tempMaxAge);
    for (Path temp : scan.tempFiles()) {
      if (olderThan(temp, cutoff) && Files.deleteIfExists(temp)) {
        removed.add(temp);
      }
    }
    boolean repaired;
    try (ProcessLocks.Held lock = ProcessLocks.JVM.acquire(layout.indexLock(), false)) {
      repaired = refs.regenerateIndex();
    }
    return new FsckReport(checked, bytes, quarantined, missing, lazy, removed, repaired,
        quarantinedTags, true);
  }

  private static byte[] readIfPresent(Path file) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException absent) {
      return new byte[0];
    }
  }

  /** Walks one named image and files its absent or damaged blobs as missing or lazy. */
  private void checkImage(String name, Descriptor root, Set<Digest> seen,
      List<FsckReport.Missing> missing, List<FsckReport.Lazy> lazy) throws IOException {
    List<ImageGraph.Problem> problems = new ArrayList<>();
    ImageGraph.walk(layout, root, seen, problems);
    for (ImageGraph.Problem p : problems) {
      // An absent config or layer with a known origin is fetched when needed: not a problem.
      List<BlobOrigin> from = p.absent() && !p.isManifest() ? store.origins(p.digest()) : List.of();
      if (from.isEmpty()) {
        missing.add(new FsckReport.Missing(name, p.digest(), p.reason()));
      } else {
        lazy.add(new FsckReport.Lazy(name, p.digest(), from));
      }
    }
  }

  /**
   * Moves a tag file whose content is not a descriptor to {@code .lading/quarantine/} (kept for
   * inspection; the tag is gone, as it was unusable, and gc can run again). Under the exclusive lease
   * and after reading the file again, so a tag a writer has just repaired is never moved.
   */
  private Optional<FsckReport.QuarantinedTag> quarantineTag(RepositoryTags.TagFile tag)
      throws IOException {
    try (ProcessLocks.Held exclusive = ProcessLocks.JVM.acquire(layout.leaseLock(), false)) {
      String reason;
      try {
        RepositoryTags.readFile(tag.file());
        return Optional.empty(); // rewritten meanwhile
      } catch (NoSuchFileException deletedMeanwhile) {
        return Optional.empty();
      } catch (RepositoryTags.CorruptTagException e) {
        reason = e.getMessage();
      }
      Path target = layout.quarantine().resolve("tag-" + tag.repository().replace('/', '+') + "@"
          + tag.tag() + "-" + System.currentTimeMillis());
      Files.createDirectories(layout.quarantine());
      AtomicFiles.move(tag.file(), target);
      AtomicFiles.syncDirectory(tag.file().getParent());
      return Optional.of(new FsckReport.QuarantinedTag(tag.repository(), tag.tag(), reason, target));
    }
  }

  private Path quarantine(Path blob) throws IOException {
    Files.createDirectories(layout.quarantine());
    Path target = layout.quarantine().resolve(blob.getFileName() + "-" + System.currentTimeMillis());
    AtomicFiles.move(blob, target);
    AtomicFiles.syncDirectory(blob.getParent());
    return target;
  }

  /**
   * Deletes what crashed or abandoned writers left, when older than {@code maxAge}: blob temp files,
   * working directories (registry upload sessions among them; a live session keeps its directory's
   * time fresh) and partial downloads; and, at any age, the {@linkplain OwnedTempDirectory owned
   * directories} of builds and runs whose process is gone (a live one's, never). {@link #fsck} does
   * it too; {@code lading store gc} as well, so that a store that is only ever collected does not
   * fill up with leftovers either.
   *
   * <p>Partial downloads are deleted only under their ingest lock, so a live resumable writer never
   * loses its file. A plain writer idle for longer than the age limit loses its temp file and fails
   * at commit, which is safe: nothing half-written becomes visible.
   *
   * @return what was deleted
   */
  List<Path> removeStaleTempFiles(Duration maxAge) throws IOException {
    Instant cutoff = Instant.now().minus(maxAge);
    // Owned directories go when their owner has, whatever their age; never by age; and not while a
    // cache is lent into them (the next build moves it back first).
    List<Path> removed = new ArrayList<>(new StoreWorkAreas(layout).removeAbandonedTempDirectories());
    for (Path dir : List.of(layout.tmp(), layout.refs(), layout.root(), layout.privateDir(),
        layout.origins())) {
      for (Path file : list(dir)) {
        if (dir.equals(layout.tmp())
            && (OwnedTempDirectory.isLock(file) || OwnedTempDirectory.isOwned(file))) {
          continue;
        }
        String name = file.getFileName().toString();
        boolean temp = dir.equals(layout.tmp()) || (name.startsWith(".") && name.endsWith(
            AtomicFiles.TMP_SUFFIX)) || (dir.equals(layout.privateDir()) && name.startsWith("refs-")
            && name.endsWith(AtomicFiles.TMP_SUFFIX));
        if (temp && olderThan(file, cutoff) && FileTrees.deleteTree(file)) {
          removed.add(file);
        }
      }
    }
    for (Path partial : list(layout.ingest())) {
      if (removePartial(layout, partial, cutoff)) {
        removed.add(partial);
      }
    }
    return removed;
  }

  /**
   * Deletes a partial download last written before {@code cutoff}, unless a writer holds its ingest
   * lock (a live resumable download never loses its file).
   */
  static boolean removePartial(Layout layout, Path partial, Instant cutoff) throws IOException {
    String name = partial.getFileName().toString();
    if (!name.endsWith(".partial") || !olderThan(partial, cutoff)) {
      return false;
    }
    String hex = name.substring(0, name.length() - ".partial".length());
    if (!HEX.matcher(hex).matches()) {
      return false;
    }
    try (ProcessLocks.Held lock =
        ProcessLocks.JVM.tryAcquire(layout.ingestLock(Digest.ofHex(hex)), false)) {
      return lock != null && olderThan(partial, cutoff) && Files.deleteIfExists(partial);
    }
  }

  /**
   * True when the file was last written before {@code cutoff}, or at a time in the future (a store
   * restored with other clocks: no writer here set it, so it says nothing of age, and leases still
   * protect what writers are writing). False when the file is gone.
   */
  static boolean olderThan(Path file, Instant cutoff) throws IOException {
    if (cutoff.equals(Instant.MAX)) {
      return Files.exists(file);
    }
    try {
      Instant modified = Files.readAttributes(file, BasicFileAttributes.class).lastModifiedTime()
          .toInstant();
      return modified.isBefore(cutoff) || LastUse.inFuture(modified);
    } catch (NoSuchFileException e) {
      return false;
    }
  }


  static List<Path> list(Path dir) throws IOException {
    List<Path> paths = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(paths::add);
    } catch (NoSuchFileException e) {
      return paths;
    }
    return paths;
  }

  /**
   * Deletes blobs that no ref and no repository tag reaches (through manifests, indexes, configs,
   * layers and subjects) and that are older than {@code grace}, partial downloads idle for longer
   * than {@code grace} (a live one is kept), and the origin records of blobs no name needs (records
   * of blobs a ref needs stay, also when the blob itself is absent). With {@code maxBytes} below
   * {@link Long#MAX_VALUE}, then fits the store under that size ({@link SizeCap}). Waits until no
   * lease is held and blocks new ones meanwhile, so a blob that a writer is about to reference is
   * never deleted. Also removes the directories of repositories that no longer have tags.
   *
   * @throws IOException when a ref's or tag's manifest, or a tag file, cannot be read: gc then cannot
   *     tell what it needs and deletes nothing (run fsck)
   */
  GcReport gc(Duration grace, long maxBytes) throws IOException {
    try (ProcessLocks.Held exclusive = ProcessLocks.JVM.acquire(layout.leaseLock(), false)) {
      // Measured once no writer is active: what was written while gc waited is young.
      Instant cutoff = Instant.now().minus(grace);
      List<NamedImage.OnDisk> named;
      try {
        named = NamedImage.all(refs, tags);
      } catch (RepositoryTags.CorruptTagException e) {
        throw new IOException("gc stopped, nothing deleted: " + e.getMessage(), e);
      }
      boolean capped = maxBytes < Long.MAX_VALUE;
      // Only the size cap needs each name's own blobs; plain gc walks shared blobs once.
      Map<NamedImage.OnDisk, Set<Digest>> reaches = new LinkedHashMap<>();
      Set<Digest> reachable = new HashSet<>();
      for (NamedImage.OnDisk n : named) {
        Set<Digest> own = capped ? new HashSet<>() : reachable;
        mark(n.image().name(), n.image().target(), own);
        if (capped) {
          reaches.put(n, own);
          reachable.addAll(own);
        }
      }
      int referenced = 0;
      int young = 0;
      List<Digest> removed = new ArrayList<>();
      long bytesRemoved = 0;
      for (Path blob : list(layout.blobs())) {
        String name = blob.getFileName().toString();
        if (!HEX.matcher(name).matches() || !Files.isRegularFile(blob)) {
          continue; // not ours to judge: fsck quarantines strays
        }
        Digest digest = Digest.ofHex(name);
        if (reachable.contains(digest)) {
          referenced++;
        } else if (!olderThan(blob, cutoff)) {
          young++;
        } else {
          long size = Files.size(blob);
          if (Files.deleteIfExists(blob)) {
            removed.add(digest);
            bytesRemoved += size;
          }
        }
      }
      if (!removed.isEmpty()) {
        AtomicFiles.syncDirectory(layout.blobs());
      }
      int partials = 0;
      long partialBytes = 0;
      for (Path partial : list(layout.ingest())) {
        long size = SizeCap.sizeOf(partial);
        if (removePartial(layout, partial, cutoff)) {
          partials++;
          partialBytes += size;
        }
      }
      List<String> evicted = List.of();
      long sizeAfter = -1;
      if (capped) {
        SizeCap.Result fit = new SizeCap(layout, refs, tags).fit(maxBytes, reaches, cutoff);
        evicted = fit.evicted();
        removed.addAll(fit.removedBlobs());
        bytesRemoved += fit.blobBytes();
        referenced -= fit.removedBlobs().size() + fit.keptYoung();
        young += fit.keptYoung();
        partials += fit.partialsRemoved();
        partialBytes += fit.partialBytes();
        reachable.removeAll(fit.freed());
        sizeAfter = fit.sizeAfter();
      }
      int originsRemoved = 0;
      for (Path record : list(layout.origins())) {
        String name = record.getFileName().toString();
        if (HEX.matcher(name).matches() && !reachable.contains(Digest.ofHex(name))
            && olderThan(record, cutoff) && Files.deleteIfExists(record)) {
          originsRemoved++;
        }
      }
      // With the lease held exclusively no writer holds or waits for an ingest lock, so lock files
      // without a partial download can go (they would otherwise pile up, one per blob ever pulled).
      for (Path lock : list(layout.ingestLocks())) {
        String name = lock.getFileName().toString();
        String hex = name.endsWith(".lock") ? name.substring(0, name.length() - 5) : "";
        if (HEX.matcher(hex).matches() && !Files.exists(layout.partial(Digest.ofHex(hex)))) {
          Files.deleteIfExists(lock);
        }
      }
      // No tag writer is active now (they hold a shared lease), so no directory is about to be used.
      tags.pruneEmptyDirectories();
      return new GcReport(referenced, young, removed, bytesRemoved, originsRemoved, partials,
          partialBytes, evicted, maxBytes, sizeAfter);
    }
  }

  /**
   * What the store holds, by named image, with the bytes of blobs, partial downloads and the rest.
   * Reads only: no lease, no use recorded.
   */
  StoreUsage usage() throws IOException {
    List<StoreUsage.Image> images = new ArrayList<>();
    Set<Digest> reachable = new HashSet<>();
    for (NamedImage.OnDisk n : NamedImage.all(refs, tags)) {
      Set<Digest> own = new HashSet<>();
      ImageGraph.walk(layout, n.image().target(), own, new ArrayList<>());
      long bytes = 0;
      for (Digest d : own) {
        bytes += Math.max(0, SizeCap.sizeOf(layout.blob(d)));
      }
      images.add(new StoreUsage.Image(n.image(), bytes));
      reachable.addAll(own);
    }
    int blobs = 0;
    long blobBytes = 0;
    long unreferenced = 0;
    for (Path blob : list(layout.blobs())) {
      long size = SizeCap.sizeOf(blob);
      if (size < 0 || !Files.isRegularFile(blob)) {
        continue;
      }
      blobs++;
      blobBytes += size;
      String name = blob.getFileName().toString();
      if (!HEX.matcher(name).matches() || !reachable.contains(Digest.ofHex(name))) {
        unreferenced += size;
      }
    }
    int partials = 0;
    long partialBytes = 0;
    for (Path partial : list(layout.ingest())) {
      long size = SizeCap.sizeOf(partial);
      if (size >= 0) {
        partials++;
        partialBytes += size;
      }
    }
    long other = SizeCap.totalBytes(layout.root()) - blobBytes - partialBytes;
    return new StoreUsage(images, blobs, blobBytes, unreferenced, partials, partialBytes,
        Math.max(0, other));
  }

  /** Adds what {@code root} needs to {@code reachable}; refuses to go on when a manifest is unreadable. */
  private void mark(String name, Descriptor root, Set<Digest> reachable) throws IOException {
    List<ImageGraph.Problem> problems = new ArrayList<>();
    ImageGraph.walk(layout, root, reachable, problems);
    for (ImageGraph.Problem p : problems) {
      if (p.reason().startsWith("unreadable")) {
        throw new IOException("gc stopped, nothing deleted: " + name + " needs " + p.digest()
            + " which is " + p.reason() + "; run fsck and fix or delete the ref or tag");
      }
    }
  }
}
