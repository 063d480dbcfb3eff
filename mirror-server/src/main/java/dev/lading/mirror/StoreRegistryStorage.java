package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.io.FileTrees;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.ManifestDocument;
import dev.lading.model.MediaTypes;
import dev.lading.store.BlobWriter;
import dev.lading.store.Lease;
import dev.lading.store.NoSuchBlobException;
import dev.lading.store.Store;
import dev.lading.store.StoreRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@link RegistryStorage} over the Lading store, so that what the mirror serves and what builds and
 * the CLI see are the same images.
 *
 * <p>Names: registry repository {@code R} with tag {@code T} is the store name {@code R:T}. A store
 * ref of that name (what {@code lading build -t localhost/app:1} or a pull into {@code store:} sets)
 * wins; otherwise it is a repository tag (what a push to the mirror sets: O(1), no {@code index.json}
 * rewrite). A push to a name that is a ref updates the ref, so the two never disagree. Refs whose
 * name is not {@code REPOSITORY:TAG} of the distribution grammar (a host with a port, a digest) are
 * not served by name; their manifests are still served by digest.
 *
 * <p>Every manifest pushed, by tag or by digest alone, has a hidden tag {@code _sha256-<hex>} in its
 * repository, which the tag list leaves out: it is served by digest from that repository until deleted
 * by digest, also after its tag moved on, and gc keeps it (what tags reach) unless
 * {@code gc --max-size} evicts it. Upload sessions are store temp directories: never
 * visible as blobs, removed by {@code lading store gc} once stale, and made a blob by the store's
 * adoption (hash, fsync, rename; no copy). Concurrency is the store's: leases against gc, atomic
 * renames.
 */
public final class StoreRegistryStorage implements RegistryStorage {
  /** Tags that keep manifests pushed by digest alive; not listed. */
  static final String REVISION_PREFIX = "_sha256-";
  private static final String UPLOAD_PREFIX = "upload-";
  private static final Pattern UPLOAD_ID = Pattern.compile("upload-[0-9]{1,40}");

  private final Store store;
  /** One lock per live session, so two requests on one session never interleave their bytes. */
  private final Map<String, Object> sessionLocks = new ConcurrentHashMap<>();

  /** Storage over {@code store}. */
  public StoreRegistryStorage(Store store) {
    this.store = store;
  }

  /** The store behind this storage. */
  public Store store() {
    return store;
  }

  @Override
  public Optional<Path> blob(Digest digest) {
    try {
      return Optional.of(store.blobPath(digest));
    } catch (NoSuchBlobException e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<byte[]> smallBlob(Digest digest) throws IOException {
    try {
      return Optional.of(store.bytes(digest));
    } catch (NoSuchBlobException e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<Descriptor> tag(String repository, String tag) throws IOException {
    Optional<Descriptor> ref = store.ref(repository + ":" + tag);
    return ref.isPresent() ? ref : store.tag(repository, tag);
  }

  @Override
  public List<String> tags(String repository) throws IOException {
    TreeSet<String> tags = new TreeSet<>();
    for (String tag : store.tags(repository)) {
      if (!tag.startsWith(REVISION_PREFIX) && !tag.startsWith(Outbox.PIN_PREFIX)) {
        tags.add(tag);
      }
    }
    for (StoreRef ref : store.refs()) {
      String tag = tagOf(ref.name(), repository);
      if (tag != null) {
        tags.add(tag);
      }
    }
    return List.copyOf(tags);
  }

  @Override
  public List<String> repositories() throws IOException {
    TreeSet<String> names = new TreeSet<>(store.repositories());
    for (StoreRef ref : store.refs()) {
      int colon = ref.name().lastIndexOf(':');
      if (colon > 0 && tagOf(ref.name(), ref.name().substring(0, colon)) != null) {
        names.add(ref.name().substring(0, colon));
      }
    }
    return List.copyOf(names);
  }

  /** The tag of ref {@code name} when it is {@code repository:TAG}, else null. */
  private static String tagOf(String name, String repository) {
    if (!name.startsWith(repository + ":") || !Store.isRepositoryName(repository)) {
      return null;
    }
    String tag = name.substring(repository.length() + 1);
    return Store.isTagName(tag) ? tag : null;
  }

  @Override
  public Descriptor putManifest(String repository, String tag, String mediaType, byte[] bytes,
      List<Digest> required) throws IOException, MissingBlob {
    // Under a lease from the check to the tag, so gc cannot take a referenced blob in between.
    try (Lease lease = store.lease()) {
      for (Digest d : required) {
        if (!store.has(d)) {
          throw new MissingBlob(d);
        }
      }
      Descriptor stored = store.put(mediaType, bytes);
      // Every manifest pushed here stays GET-able by digest until it is deleted by digest, also
      // once its tag names another (a deployment pinned to the old digest), as registries keep it.
      store.setTag(repository, REVISION_PREFIX + stored.digest().hex(), stored);
      if (tag != null && store.ref(repository + ":" + tag).isPresent()) {
        store.setRef(repository + ":" + tag, stored);
      } else if (tag != null) {
        store.setTag(repository, tag, stored);
      }
      return stored;
    }
  }

  @Override
  public List<Descriptor> manifests(String repository) throws IOException {
    Map<Digest, Descriptor> found = new LinkedHashMap<>();
    for (String tag : store.tags(repository)) {
      store.tag(repository, tag).ifPresent(d -> found.putIfAbsent(d.digest(), d));
    }
    for (StoreRef ref : store.refs()) {
      if (tagOf(ref.name(), repository) != null) {
        found.putIfAbsent(ref.descriptor().digest(), ref.descriptor());
      }
    }
    return new ArrayList<>(found.values());
  }

  @Override
  public boolean holds(String repository, Digest digest) throws IOException {
    if (store.tag(repository, REVISION_PREFIX + digest.hex()).isPresent()) {
      return true; // pushed by digest (an index's child, a referrer), the usual case of a GET by digest
    }
    List<Descriptor> named = new ArrayList<>();
    for (String tag : store.tags(repository)) {
      if (!tag.startsWith(Outbox.PIN_PREFIX)) { // a queued forward's pin outlives a delete
        store.tag(repository, tag).ifPresent(named::add);
      }
    }
    for (StoreRef ref : store.refs()) {
      if (tagOf(ref.name(), repository) != null) {
        named.add(ref.descriptor());
      }
    }
    return lists(named, digest, 2);
  }

  /** Whether {@code digest} is one of {@code manifests} or in an index among them, {@code depth} deep. */
  private boolean lists(List<Descriptor> manifests, Digest digest, int depth) throws IOException {
    List<Descriptor> children = new ArrayList<>();
    for (Descriptor d : manifests) {
      if (d.digest().equals(digest)) {
        return true;
      }
      if (depth > 0 && MediaTypes.isIndex(d.mediaType()) && store.has(d.digest())) {
        try {
          if (ManifestDocument.parse(store.bytes(d.digest()), d.mediaType()) instanceof ImageIndex index) {
            children.addAll(index.manifests());
          }
        } catch (RuntimeException notAnIndex) {
          // a damaged document lists nothing
        }
      }
    }
    return !children.isEmpty() && lists(children, digest, depth - 1);
  }

  @Override
  public boolean deleteTag(String repository, String tag) throws IOException {
    boolean ref = store.ref(repository + ":" + tag).isPresent() && store.deleteRef(repository + ":" + tag);
    return store.deleteTag(repository, tag) | ref;
  }

  @Override
  public boolean deleteManifest(String repository, Digest digest) throws IOException {
    boolean any = false;
    for (String tag : store.tags(repository)) {
      if (tag.startsWith(Outbox.PIN_PREFIX)) {
        continue; // a queued forward still needs it; its pin goes once the upstream has it
      }
      Optional<Descriptor> d = store.tag(repository, tag);
      if (d.isPresent() && d.get().digest().equals(digest)) {
        any |= store.deleteTag(repository, tag);
      }
    }
    for (StoreRef ref : store.refs()) {
      if (tagOf(ref.name(), repository) != null && ref.descriptor().digest().equals(digest)) {
        any |= store.deleteRef(ref.name());
      }
    }
    return any;
  }

  @Override
  public void putBlob(Digest expected, InputStream content) throws IOException {
    try (BlobWriter writer = store.writer(expected)) {
      content.transferTo(writer);
      writer.commit();
    }
  }

  @Override
  public Upload startUpload() throws IOException {
    Path dir = store.workAreas().newTempDirectory(UPLOAD_PREFIX);
    Files.createFile(dir.resolve("data"));
    return new StoreUpload(dir);
  }

  @Override
  public Optional<Upload> upload(String id) {
    if (!UPLOAD_ID.matcher(id).matches()) {
      return Optional.empty();
    }
    return store.workAreas().tempDirectory(id).filter(dir -> Files.isRegularFile(dir.resolve("data")))
        .map(StoreUpload::new);
  }

  /** A session directory holding {@code data}, the bytes received so far. */
  private final class StoreUpload implements Upload {
    private final Path dir;
    private final Path data;
    private final String id;

    StoreUpload(Path dir) {
      this.dir = dir;
      this.data = dir.resolve("data");
      this.id = dir.getFileName().toString();
    }

    private Object lock() {
      return sessionLocks.computeIfAbsent(id, k -> new Object());
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public long size() throws IOException {
      return Files.size(data);
    }

    @Override
    public long append(InputStream chunk, long expectedOffset) throws IOException, OffsetMismatch {
      synchronized (lock()) {
        try (FileChannel out = FileChannel.open(data, StandardOpenOption.WRITE)) {
          long size = out.size();
          if (expectedOffset >= 0 && expectedOffset != size) {
            throw new OffsetMismatch(size);
          }
          out.position(size);
          byte[] buffer = new byte[64 * 1024];
          for (int n; (n = chunk.read(buffer)) > 0; ) {
            ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
            while (b.hasRemaining()) {
              out.write(b);
            }
          }
          // fsck judges staleness by the directory's time: a session in use is not stale.
          Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis()));
          return out.size();
        }
      }
    }

    @Override
    public void commit(Digest expected) throws IOException {
      synchronized (lock()) {
        try {
          // Hashed and renamed into the store: the session's bytes are not copied again.
          store.adopt(data, expected, "application/octet-stream");
        } finally {
          end();
        }
      }
    }

    @Override
    public void cancel() throws IOException {
      synchronized (lock()) {
        end();
      }
    }

    private void end() throws IOException {
      FileTrees.deleteTree(dir);
      sessionLocks.remove(id);
    }
  }
}
