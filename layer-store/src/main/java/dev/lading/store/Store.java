package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.io.AtomicFiles;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The content-addressed store of blobs and named refs. Its directory is a valid OCI image layout, so
 * skopeo ({@code oci:<dir>:<ref>}), umoci and containerd can read it directly.
 *
 * <p>Two kinds of names keep images alive: refs, which users name and OCI tools see in
 * {@code index.json} (each change rewrites it), and {@linkplain #setTag repository tags}, which a
 * registry mirror records by the thousand at O(1) each and which OCI tools do not see.
 *
 * <p>Safe for many threads and many processes on one directory: blob writes never touch shared files
 * (temp file, verify, fsync, atomic rename); ref changes serialise on a file lock; gc excludes writers
 * through {@link #lease() leases}. Instances are cheap; all state is on disk.
 */
public final class Store {
  /** Unreferenced blobs younger than this survive gc, a second guard besides leases. */
  public static final Duration DEFAULT_GC_GRACE = Duration.ofMinutes(10);
  /** Temp files and partial downloads older than this are leftovers that fsck deletes. */
  public static final Duration DEFAULT_TEMP_MAX_AGE = Duration.ofHours(1);
  /** Environment variable naming the default store directory. */
  public static final String STORE_ENV = StoreDirectory.ENV;

  private static final byte[] OCI_LAYOUT_JSON =
      "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
  /** The ref.name grammar of the OCI image spec (annotations.md), as skopeo and umoci check it. */
  private static final Pattern OCI_REF_NAME;

  static {
    String component = "[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*";
    OCI_REF_NAME = Pattern.compile(component + "(?:/" + component + ")*");
  }

  private final Layout layout;
  private final RefStore refs;
  private final RepositoryTags tags;
  private final BlobIngest ingest;
  private final BlobOrigins blobOrigins;
  private final StoreWorkAreas workAreas;

  private Store(Layout layout) {
    this.layout = layout;
    this.refs = new RefStore(layout);
    this.tags = new RepositoryTags(layout);
    this.ingest = new BlobIngest(layout);
    this.blobOrigins = new BlobOrigins(layout);
    this.workAreas = new StoreWorkAreas(layout);
  }

  /**
   * Opens the store in {@code dir}, creating an empty OCI layout there when it is missing. A complete
   * store opens without a write or a lock, so one this process cannot write can still be read.
   */
  public static Store open(Path dir) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    Layout layout = new Layout(root);
    Store store = new Store(layout);
    if (Files.isDirectory(layout.blobs()) && Files.isRegularFile(layout.ociLayout())
        && Files.isDirectory(layout.refs()) && Files.isRegularFile(layout.index())) {
      return store; // what the locked steps below would make is there, and none is ever removed
    }
    Files.createDirectories(layout.blobs());
    Files.createDirectories(layout.locks());
    try (ProcessLocks.Held lock = ProcessLocks.JVM.acquire(layout.indexLock(), false)) {
      if (!Files.isRegularFile(layout.ociLayout())) {
        AtomicFiles.write(layout.ociLayout(), OCI_LAYOUT_JSON);
      }
      store.refs.adoptIndexIfNeeded();
      if (!Files.isRegularFile(layout.index())) {
        store.refs.regenerateIndex();
      }
    }
    return store;
  }

  /**
   * {@code $LADING_STORE} when set, else {@code ~/.lading/store}, else a fallback for users without
   * a writable home; see {@link StoreDirectory} for the fallbacks and the notice to show.
   */
  public static StoreDirectory defaultDirectory() throws IOException {
    return StoreDirectory.resolve();
  }

  /** The layout directory. */
  public Path root() {
    return layout.root();
  }

  /**
   * False when this process cannot write the store (a read-only mount, another user's files). It can
   * still read it: what reads would record (last use, origins) is then skipped.
   */
  public boolean writable() {
    return WriteAccess.writable(layout);
  }

  /** Fails as a write would (permission denied, read-only file system) unless {@link #writable()}. */
  public void requireWritable() throws IOException {
    WriteAccess.require(layout);
  }

  /**
   * A shared lease that keeps {@link #gc()} away until closed. Hold one from the first blob write
   * of an image until its ref is set. Every writer holds one by itself for its own lifetime.
   */
  public Lease lease() throws IOException {
    return new Lease(ProcessLocks.JVM.acquire(layout.leaseLock(), true));
  }

  /**
   * The store's private work areas: temp directories (owned ones included, for builds and runs) and
   * the caches kept with it.
   */
  public StoreWorkAreas workAreas() {
    return workAreas;
  }

  // ---- blobs ----

  /** True when the complete, verified blob is in the store. */
  public boolean has(Digest digest) {
    return Files.isRegularFile(layout.blob(digest));
  }

  /** The file of a complete blob, for zero-copy serving; never a partial one. */
  public Path blobPath(Digest digest) throws NoSuchBlobException {
    Path blob = layout.blob(digest);
    if (!Files.isRegularFile(blob)) {
      throw new NoSuchBlobException(digest, root());
    }
    return blob;
  }

  /** Reads a blob. */
  public InputStream open(Digest digest) throws IOException {
    try {
      return Files.newInputStream(layout.blob(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchBlobException(digest, root());
    }
  }

  /** A whole blob in memory; meant for manifests and configs, not layers. */
  public byte[] bytes(Digest digest) throws IOException {
    try {
      return Files.readAllBytes(layout.blob(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchBlobException(digest, root());
    }
  }

  /** A blob's size in bytes. */
  public long size(Digest digest) throws IOException {
    try {
      return Files.size(layout.blob(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchBlobException(digest, root());
    }
  }

  /** Stores bytes (a no-op when they are already stored) and returns their digest. */
  public Digest put(byte[] content) throws IOException {
    return ingest.put(content);
  }

  /** Stores bytes and returns their descriptor. */
  public Descriptor put(String mediaType, byte[] content) throws IOException {
    return ingest.put(mediaType, content);
  }

  /** Copies a file into the store (streaming, hashed on the way) and returns its descriptor. */
  public Descriptor importFile(Path file, String mediaType) throws IOException {
    return ingest.importFile(file, mediaType);
  }

  /**
   * Makes a file already in one of this store's temp directories
   * ({@link StoreWorkAreas#newTempDirectory}) a blob by renaming it, after hashing it: a registry
   * upload session written chunk by chunk becomes a blob without being copied. The file is gone
   * afterwards, whatever the outcome.
   *
   * @throws DigestMismatchException when the file does not hash to {@code expected}; nothing becomes
   *     visible
   * @throws IllegalArgumentException when the file is not inside the store's temp area
   */
  public Descriptor adopt(Path file, Digest expected, String mediaType) throws IOException {
    return ingest.adopt(file, expected, mediaType);
  }

  /**
   * A file in one of this store's temp directories ({@link StoreWorkAreas#newTempDirectory}) that
   * becomes a blob as {@link #adopt} would make it, but hashed while it is written: for a download
   * that others read while it grows, whose blob must be published without a second pass over its
   * bytes. Bytes the file already holds (a resumed download) are hashed once here.
   *
   * @throws IllegalArgumentException when the file is not inside the store's temp area
   */
  public HashingFile hashingFile(Path file) throws IOException {
    return ingest.hashingFile(file);
  }

  /**
   * Makes {@code blob}, the complete and verified blob file of another store, the blob
   * {@code digest} here by a hard link, with no copy and no second hash: blobs are never written in
   * place, so two stores can share the inode. False when it cannot be linked (another file system,
   * a file of another owner under protected_hardlinks, no hard links at all): the caller copies.
   */
  public boolean linkBlob(Path blob, Digest digest) throws IOException {
    return ingest.linkBlob(blob, digest);
  }

  /**
   * A writer for one blob. With an expected digest, {@link BlobWriter#commit()} refuses other content.
   * The writer holds a lease until it is committed or closed.
   */
  public BlobWriter writer(Digest expectedOrNull) throws IOException {
    return ingest.writer(expectedOrNull);
  }

  /**
   * A writer that survives its process: bytes go to {@code .lading/ingest/<hex>.partial}, and the
   * next resumable writer for the same digest (in any process, after a crash or kill) continues at
   * {@link BlobWriter#position()}. Only one writer per digest exists at a time: a second one waits
   * here until the first is committed or closed (and then usually finds the blob complete, see
   * {@link BlobWriter#alreadyStored()}).
   */
  public BlobWriter resumableWriter(Digest expected) throws IOException {
    return ingest.resumableWriter(expected);
  }

  // ---- origins ----

  /**
   * Records that {@code origin} holds the blob {@code digest}, so a store that lacks the blob (a base
   * layer a build referenced without downloading it) can fetch it later, and a push to another
   * repository of the same registry can mount it. Records only grow (until gc drops those of blobs no
   * ref needs); adding a known origin changes nothing. Safe across threads and processes.
   */
  public void addOrigin(Digest digest, BlobOrigin origin) throws IOException {
    blobOrigins.addOrigin(digest, origin);
  }

  /** Where {@code digest} is known to be held, in the order the origins were recorded; often empty. */
  public List<BlobOrigin> origins(Digest digest) throws IOException {
    return blobOrigins.origins(digest);
  }

  // ---- refs ----

  /**
   * Names a manifest or index, e.g. {@code "127.0.0.1:5000/demo/app:1.0"}. The name becomes the
   * {@code org.opencontainers.image.ref.name} of its entry in {@code index.json}.
   *
   * @throws NoSuchBlobException when the manifest itself is not stored yet
   */
  public void setRef(String name, Descriptor manifestOrIndex) throws IOException {
    setRefs(Map.of(name, manifestOrIndex));
  }

  /** Sets several refs with one regeneration of {@code index.json} (for mirrors syncing many tags). */
  public void setRefs(Map<String, Descriptor> targets) throws IOException {
    // Under the lease, so gc cannot take a blob before the ref that keeps it exists.
    refs.setAll(targets, digest -> blobPath(digest));
  }

  /**
   * True when OCI tools can address the ref: {@code skopeo ... oci:<dir>:<name>} and
   * {@code umoci --image <dir>:<name>} accept only names of the OCI {@code ref.name} grammar
   * (components of letters and digits joined by one of {@code -._:@+} or {@code --}, separated by
   * {@code /}). Both split at the first ':' after the directory, so colons in the name are fine
   * ({@code 127.0.0.1:5000/demo/app:1.0} works) but the store directory must not contain one. The
   * store itself accepts any name; callers may warn when this is false.
   */
  public static boolean isOciRefName(String name) {
    return name != null && OCI_REF_NAME.matcher(name).matches();
  }

  /** The manifest or index a ref names. Counts as a use of the image, for the size-capped gc. */
  public Optional<Descriptor> ref(String name) throws IOException {
    Optional<Descriptor> target = refs.read(name);
    if (target.isPresent()) {
      LastUse.record(refs.file(name));
    }
    return target;
  }

  /** Removes a ref; its blobs stay until gc. Returns false when there was no such ref. */
  public boolean deleteRef(String name) throws IOException {
    return refs.remove(name);
  }

  /** All refs, sorted by name. */
  public List<StoreRef> refs() throws IOException {
    return refs.all();
  }

  // ---- repository tags ----

  /**
   * Points {@code repository:tag} at a manifest or index, for a registry (pull-through cache or push
   * target). Unlike {@link #setRef}, this writes one small file and nothing else, whatever the number
   * of tags and repositories: {@code index.json} is not touched, and concurrent writers of other tags
   * (in this or other processes) neither wait for nor overwrite each other; of two writers of the same
   * tag, the last one wins. Setting a tag to what it already is writes nothing.
   *
   * @param repository a repository name of the OCI distribution grammar, e.g. {@code library/ubuntu}
   *     (no registry host: each store is one registry's namespace)
   * @param tag a tag of the OCI distribution grammar, e.g. {@code 24.04}
   * @throws IllegalArgumentException when a name does not follow the grammar, or the descriptor is
   *     not of a manifest or index
   * @throws NoSuchBlobException when the manifest itself is not stored yet
   */
  public void setTag(String repository, String tag, Descriptor manifestOrIndex) throws IOException {
    RepositoryTags.validateRepository(repository);
    RepositoryTags.validateTag(tag);
    Objects.requireNonNull(manifestOrIndex, "descriptor of tag " + repository + ":" + tag);
    RefStore.validateTarget(repository + ":" + tag, manifestOrIndex);
    try (ProcessLocks.Held lease = ProcessLocks.JVM.acquire(layout.leaseLock(), true)) {
      blobPath(manifestOrIndex.digest()); // under the lease, so gc cannot take it before the tag exists
      tags.write(repository, tag, manifestOrIndex);
      LastUse.record(tags.file(repository, tag));
    }
  }

  /**
   * The manifest or index {@code repository:tag} points to, if the tag exists. Counts as a use of the
   * image, for the size-capped gc.
   */
  public Optional<Descriptor> tag(String repository, String tag) throws IOException {
    RepositoryTags.validateRepository(repository);
    RepositoryTags.validateTag(tag);
    Optional<Descriptor> target = tags.read(repository, tag);
    if (target.isPresent()) {
      LastUse.record(tags.file(repository, tag));
    }
    return target;
  }

  /** Removes a tag; its blobs stay until gc. Returns false when there was no such tag. */
  public boolean deleteTag(String repository, String tag) throws IOException {
    RepositoryTags.validateRepository(repository);
    RepositoryTags.validateTag(tag);
    return tags.delete(repository, tag);
  }

  /**
   * The tags of one repository, sorted (Java string order, which is byte order for these names);
   * empty when the repository has none. One directory listing, no file read.
   */
  public List<String> tags(String repository) throws IOException {
    RepositoryTags.validateRepository(repository);
    return tags.tags(repository);
  }

  /**
   * The repositories with at least one tag, sorted (the registry's {@code _catalog}). Costs one
   * directory listing per directory under {@code .lading/repositories}, no file read.
   */
  public List<String> repositories() throws IOException {
    return tags.repositories();
  }

  /**
   * One page of {@link #repositories()}: at most {@code n} names that sort after {@code last}
   * ({@code null} to start at the beginning), as the distribution spec's {@code ?n=&last=} asks.
   * The next page starts after the last name of this one.
   */
  public List<String> repositories(String last, int n) throws IOException {
    if (n < 0) {
      throw new IllegalArgumentException("page size n must not be negative, got " + n);
    }
    List<String> page = new ArrayList<>();
    for (String repository : tags.repositories()) {
      if (page.size() == n) {
        break;
      }
      if (last == null || repository.compareTo(last) > 0) {
        page.add(repository);
      }
    }
    return page;
  }

  /** True when {@code name} is a repository name of the OCI distribution grammar ({@link #setTag}). */
  public static boolean isRepositoryName(String name) {
    return RepositoryTags.isRepository(name);
  }

  /** True when {@code tag} is a tag of the OCI distribution grammar ({@link #setTag}). */
  public static boolean isTagName(String tag) {
    return RepositoryTags.isTag(tag);
  }

  // ---- maintenance (StoreMaintenance) ----

  /** {@link #fsck(Duration)} with {@link #DEFAULT_TEMP_MAX_AGE}. */
  public FsckReport fsck() throws IOException {
    return fsck(DEFAULT_TEMP_MAX_AGE);
  }

  /**
   * Checks the store: re-hashes every blob and moves corrupt ones to {@code .lading/quarantine/},
   * reports refs and repository tags whose blobs are missing, moves tag files that do not hold a
   * descriptor to the quarantine too, deletes temp files and partial downloads older than
   * {@code tempMaxAge}, and rewrites {@code index.json} when it does not match the refs. Runs
   * alongside writers.
   */
  public FsckReport fsck(Duration tempMaxAge) throws IOException {
    return maintenance().fsck(tempMaxAge);
  }

  /**
   * Deletes what crashed or abandoned writers left, when older than {@code maxAge}: blob temp files,
   * working directories (registry upload sessions among them) and partial downloads (only under
   * their ingest lock, so a live resumable writer never loses its file). {@link #fsck} does it too;
   * {@code lading store gc} as well.
   *
   * @return what was deleted
   */
  public List<Path> removeStaleTempFiles(Duration maxAge) throws IOException {
    return maintenance().removeStaleTempFiles(maxAge);
  }

  /** {@link #gc(Duration)} with {@link #DEFAULT_GC_GRACE}. */
  public GcReport gc() throws IOException {
    return gc(DEFAULT_GC_GRACE);
  }

  /**
   * Deletes blobs that no ref and no repository tag reaches (through manifests, indexes, configs,
   * layers and subjects) and that are older than {@code grace}, and the origin records of such
   * blobs. Waits until no lease is held and blocks new ones meanwhile, so a blob that a writer is
   * about to reference is never deleted. Also removes the directories of repositories that no
   * longer have tags.
   *
   * @throws IOException when a ref's or tag's manifest, or a tag file, cannot be read: gc then cannot
   *     tell what it needs and deletes nothing (run fsck)
   */
  public GcReport gc(Duration grace) throws IOException {
    return maintenance().gc(grace, Long.MAX_VALUE);
  }

  /**
   * {@link #gc(Duration)}, then, while the store is larger than {@code maxBytes}: deletes partial
   * downloads, then evicts named images (refs and tags) least recently used first, with the blobs
   * only they need. Names used within {@code grace} are never evicted, so the store may stay over the
   * cap ({@link GcReport#overCap()}). A read of a ref or tag ({@link #ref}, {@link #tag}) or setting
   * one counts as a use.
   */
  public GcReport gc(Duration grace, long maxBytes) throws IOException {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("the size cap must not be negative, got " + maxBytes);
    }
    return maintenance().gc(grace, maxBytes);
  }

  /** What the store holds, image by image, and where its bytes are. Reads only; records no use. */
  public StoreUsage usage() throws IOException {
    return maintenance().usage();
  }

  private StoreMaintenance maintenance() {
    return new StoreMaintenance(this, layout, refs, tags);
  }

  @Override
  public String toString() {
    return "Store[" + root() + "]";
  }
}
