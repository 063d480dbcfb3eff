package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import dev.lading.model.Platform;
import dev.lading.layer.LayerExtractor;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Lease;
import dev.lading.store.Store;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves images between locations (registries, OCI layouts, docker and OCI archives, the store), picks
 * a platform from an index, converts between the OCI and Docker formats, unpacks images into
 * directories and inspects them: the core of {@code lading copy|unpack|inspect}.
 *
 * <p>The store is the hub: a copy reads the source into the store (every blob verified by digest,
 * registry downloads resumable) and writes the destination from there. Blobs the destination already
 * has are skipped, blobs another repository of the same registry has are mounted, and blobs move in
 * parallel. Blobs a {@code store:} image lacks on purpose (base layers a build never downloaded) come
 * from their {@linkplain Store#origins origins} when their bytes are needed, and are mounted instead
 * when the destination registry is the origin's. Thread-safe; build one with {@link #builder()}.
 */
public final class ImageTransfer {
  /** Blobs moved at once unless the builder says otherwise. */
  public static final int DEFAULT_PARALLELISM = 4;

  private final Store store;
  private final RegistryClient client;
  private final TransferListener listener;
  private final int parallelism;
  private final boolean offline;
  private final OriginFetcher origins;

  private ImageTransfer(Builder b) {
    this.store = b.store;
    this.client = b.client != null ? b.client : RegistryClient.builder().build();
    this.listener = b.listener;
    this.parallelism = b.parallelism;
    this.offline = b.offline;
    this.origins = new OriginFetcher(store, offline ? null : client, new Mirrors(b.mirrors));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The store this transfer uses as its hub and for {@code store:} locations. */
  public Store store() {
    return store;
  }

  // ---------------------------------------------------------------------------------------------
  // copy

  /**
   * Copies an image. By default one image is copied: the index entry for {@code options.platform()}
   * (this machine's when null) when the source is an index; with {@code allPlatforms} the whole index.
   * With a {@code format} different from the source's, manifests are rewritten into that family (their
   * digests change; layers stay the same bytes).
   *
   * @throws ImageNotFoundException when the source names nothing (unknown tag, ref or file)
   * @throws dev.lading.model.NoMatchingPlatformException when an index lacks the platform
   * @throws InvalidImageException when the image cannot be written as asked (e.g. zstd layers in
   *     Docker format, an index into a docker-archive)
   */
  public CopyResult copy(ImageLocation source, ImageLocation destination, CopyOptions options)
      throws IOException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(destination, "destination");
    CopyOptions opts = options != null ? options : CopyOptions.defaults();
    if (!opts.extraTags().isEmpty() && !(destination instanceof RegistryLocation)) {
      throw new IllegalArgumentException(destination.text() + ": extra tags apply to registry"
          + " destinations only; copy once per name instead");
    }
    if (destination instanceof DockerArchiveLocation && opts.allPlatforms()) {
      throw new IllegalArgumentException(destination.text() + ": a docker-archive holds one image, not"
          + " an index; leave out all-platforms and pick one platform");
    }
    if (destination instanceof StoreLocation) {
      store.requireWritable(); // at once, with the OS's reason, before anything is fetched
    }
    AtomicInteger copied = new AtomicInteger();
    AtomicInteger skipped = new AtomicInteger();
    AtomicInteger mounted = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    // The lease keeps gc away from blobs fetched before the destination references them.
    try (Lease lease = store.lease(); ImageSource src = openSource(source, opts.format())) {
      RawDocument top = src.root();
      ImageNode plan = plan(src, source, top, opts.allPlatforms(), opts.platformOrCurrent());
      ImageNode tree = opts.format() != null ? convert(plan, opts.format(), source) : plan;
      // Opened only now, so a source that names nothing leaves no trace at the destination.
      try (SourceFeed feed = new SourceFeed(store, src, source, listener);
          Destination dst = openDestination(destination, source, src, opts)) {
        // Largest first: the copy ends when its longest transfer does, so that one must not wait
        // behind small ones for a free thread (the base layer is often last in the manifest).
        List<Descriptor> largestFirst = tree.blobs().values().stream()
            .sorted(Comparator.comparingLong(Descriptor::size).reversed())
            .toList();
        forEachInParallel(largestFirst, blob -> {
          listener.blobStarted(blob);
          BlobOutcome outcome = dst.putBlob(blob, feed, done -> listener.blobProgress(blob, done));
          switch (outcome) {
            case COPIED -> {
              copied.incrementAndGet();
              bytes.addAndGet(blob.size());
            }
            case SKIPPED_EXISTS -> skipped.incrementAndGet();
            case MOUNTED -> mounted.incrementAndGet();
            default -> throw new IllegalStateException("unknown outcome " + outcome);
          }
          listener.blobDone(blob, outcome);
        });
        dst.commit(tree);
        return new CopyResult(source, destination, top.descriptor(), tree.descriptor(), copied.get(),
            skipped.get(), mounted.get(), bytes.get(), feed.fetched.get(), feed.bytesFetched.get());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // unpack

  /**
   * Unpacks the image for {@code options.platform()} into {@code targetDir}: its blobs are brought into
   * the store when missing, then its layers are applied in order (whiteouts honoured, every path kept
   * inside the target).
   *
   * @throws IllegalArgumentException when the target is not an empty directory (unless allowed)
   */
  public UnpackResult unpack(ImageLocation source, Path targetDir, UnpackOptions options)
      throws IOException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(targetDir, "targetDir");
    UnpackOptions opts = options != null ? options : UnpackOptions.defaults();
    Path target = targetDir.toAbsolutePath().normalize();
    checkTarget(target, opts.allowNonEmptyTarget());
    try (Lease lease = store.lease(); ImageSource src = openSource(source, null)) {
      ImageNode image = plan(src, source, src.root(), false, opts.platformOrCurrent());
      ImageManifest manifest = (ImageManifest) image.document();
      Map<String, Descriptor> layers = new LinkedHashMap<>();
      manifest.layers().forEach(l -> layers.putIfAbsent(l.digest().toString(), l));
      // Layers download in parallel while the extractor applies them in order: layer 1 is unpacked
      // as soon as it is in the store, not after the last one arrives.
      // A layer already in a file on this machine (an OCI layout) is verified and read in place:
      // copying it into the store first would only cost time and space.
      Map<Digest, Path> inPlace = new ConcurrentHashMap<>();
      try (ParallelBlobs downloads = ParallelBlobs.start(layers.values(), parallelism, blob -> {
        listener.blobStarted(blob);
        Optional<Path> local = store.has(blob.digest()) || opts.layersIntoStore() ? Optional.empty()
            : src.localBlob(blob);
        if (local.isPresent()) {
          inPlace.put(blob.digest(), SourceFeed.verifiedFile(local.get(), blob, source));
          listener.blobDone(blob, BlobOutcome.SKIPPED_EXISTS);
          return;
        }
        boolean moved = src.fetchInto(store, blob, done -> listener.blobProgress(blob, done));
        listener.blobDone(blob, moved ? BlobOutcome.COPIED : BlobOutcome.SKIPPED_EXISTS);
      })) {
        return extract(image, manifest, target, opts, downloads, inPlace);
      }
    }
  }

  private UnpackResult extract(ImageNode image, ImageManifest manifest, Path target,
      UnpackOptions opts, ParallelBlobs downloads, Map<Digest, Path> inPlace) throws IOException {
    LayerExtractor.Builder extractorBuilder = LayerExtractor.builder()
        .maxUncompressedBytes(opts.maxLayerBytes())
        .maxEntries(opts.maxLayerEntries());
    if (opts.preserveOwnership() != null) {
      extractorBuilder = extractorBuilder.preserveOwnership(opts.preserveOwnership());
    }
    if (opts.ownershipFile() != null) {
      extractorBuilder = extractorBuilder.ownershipFile(opts.ownershipFile().toAbsolutePath());
    }
    LayerExtractor extractor = extractorBuilder.build();
    Files.createDirectories(target);
    long entries = 0;
    long uncompressed = 0;
    java.util.Set<String> notes = new java.util.LinkedHashSet<>(); // a file in two layers: said once
    int number = 0;
    for (Descriptor layer : manifest.layers()) {
      number++;
      downloads.await(layer);
      listener.info("applying layer " + number + "/" + manifest.layers().size() + " " + layer.digest());
      Path file = inPlace.get(layer.digest());
      LayerExtractor.Applied applied = extractor.apply(target,
          file != null ? file : store.blobPath(layer.digest()));
      entries += applied.entries();
      uncompressed += applied.uncompressedBytes();
      notes.addAll(applied.notes());
    }
    return new UnpackResult(image.descriptor(), target, manifest.layers(), entries, uncompressed,
        List.copyOf(notes));
  }

  private static void checkTarget(Path target, boolean allowNonEmpty) throws IOException {
    if (!Files.exists(target)) {
      return;
    }
    if (!Files.isDirectory(target)) {
      throw new IllegalArgumentException("cannot unpack into " + target + ": it exists and is not a"
          + " directory; choose a new or empty directory");
    }
    if (allowNonEmpty) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
      if (entries.iterator().hasNext()) {
        throw new IllegalArgumentException("cannot unpack into " + target + ": it is not empty;"
            + " choose a new or empty directory, or allow unpacking over its contents");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // inspect

  /**
   * Reads what an image is without its layers: the manifest or index, the image manifest for
   * {@code platform} (this machine's when null) and its config. From a registry this downloads only
   * those documents. A docker-archive has no manifest, so it is imported into the store to build one.
   */
  public InspectResult inspect(ImageLocation source, Platform platform) throws IOException {
    Objects.requireNonNull(source, "source");
    Platform wanted = platform != null ? platform : Platform.current();
    try (Lease lease = store.lease(); ImageSource src = openSource(source, null)) {
      RawDocument top = src.root();
      RawDocument image = top;
      while (image.document() instanceof ImageIndex index) {
        Descriptor d = index.require(wanted, source.text());
        image = new RawDocument(d.mediaType(), d.digest(),
            ImageSource.verified(src.manifest(d), d, source.text()));
      }
      ImageManifest manifest = (ImageManifest) image.document();
      return new InspectResult(top, image, src.smallBlob(manifest.config()));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // internals

  private ImageSource openSource(ImageLocation location, ImageFormat format) throws IOException {
    // Java 17 has no pattern switch; the sealed interface keeps this list complete.
    if (location instanceof RegistryLocation r) {
      return new RegistrySource(registryClient(r), r.reference());
    } else if (location instanceof LayoutLocation l) {
      return new LayoutSource(l.path().toAbsolutePath(), l.ref(), l.text());
    } else if (location instanceof DockerArchiveLocation d) {
      return new DockerArchiveSource(store, d, format, listener);
    } else if (location instanceof OciArchiveLocation o) {
      return new OciArchiveSource(store, o);
    } else if (location instanceof StoreLocation s) {
      return new StoreSource(store, s, origins);
    }
    throw new IllegalArgumentException("unsupported location " + location);
  }

  private Destination openDestination(ImageLocation location, ImageLocation sourceLocation,
      ImageSource source, CopyOptions options) throws IOException {
    if (location instanceof RegistryLocation r) {
      return new RegistryDestination(registryClient(r), store, r.reference(), source.origin(),
          options.extraTags(), listener);
    } else if (location instanceof LayoutLocation l) {
      return new LayoutDestination(store, l, listener);
    } else if (location instanceof DockerArchiveLocation d) {
      return new DockerArchiveDestination(store, d, sourceName(sourceLocation));
    } else if (location instanceof OciArchiveLocation o) {
      return new OciArchiveDestination(store, o);
    } else if (location instanceof StoreLocation s) {
      return new StoreDestination(store, s);
    }
    throw new IllegalArgumentException("unsupported location " + location);
  }

  /**
   * Downloads a plain HTTP(S) URL (a Dockerfile's {@code ADD <url>}) with the registry client's
   * network settings (proxies, TLS, retries).
   */
  public RegistryClient.UrlDownload download(String url) throws IOException {
    if (offline) {
      throw new IllegalArgumentException(url + " needs the network, but this build is offline; give ADD a"
          + " --checksum so that a step cached once needs no download, or COPY the file");
    }
    return client.download(url);
  }

  private RegistryClient registryClient(RegistryLocation location) {
    if (offline) {
      throw new IllegalArgumentException(location.text() + " needs the network, but this transfer is"
          + " offline; use the store or an archive instead");
    }
    return client;
  }

  /** The name a source gives its image, used to tag a docker-archive that names no tag itself. */
  private static ImageReference sourceName(ImageLocation location) {
    if (location instanceof RegistryLocation r) {
      return r.reference();
    }
    if (location instanceof StoreLocation s) {
      return s.reference().orElse(null);
    }
    return null;
  }

  /**
   * Reads the documents to copy into memory and the store: the root, and below an index either the
   * entry for {@code platform} (which becomes the root) or, with {@code all}, every entry.
   */
  private ImageNode plan(ImageSource src, ImageLocation location, RawDocument top, boolean all,
      Platform platform) throws IOException {
    Descriptor d = top.descriptor();
    byte[] bytes = top.bytes();
    ManifestDocument doc = top.document();
    while (!all && doc instanceof ImageIndex index) {
      Descriptor chosen = index.require(platform, location.text());
      listener.info("picked " + chosen.platform() + " (" + chosen.digest() + ") from the index of "
          + location.text());
      d = Descriptor.of(chosen.mediaType(), chosen.digest(), chosen.size());
      bytes = ImageSource.verified(src.manifest(chosen), chosen, location.text());
      doc = ManifestDocument.parse(bytes, chosen.mediaType());
    }
    return node(src, location, d, bytes, doc);
  }

  private ImageNode node(ImageSource src, ImageLocation location, Descriptor d, byte[] bytes,
      ManifestDocument doc) throws IOException {
    store.put(d.mediaType(), bytes);
    List<ImageNode> children = new ArrayList<>();
    if (doc instanceof ImageIndex index) {
      for (Descriptor entry : index.manifests()) {
        byte[] childBytes = ImageSource.verified(src.manifest(entry), entry, location.text());
        children.add(node(src, location, entry, childBytes, ManifestDocument.parse(childBytes,
            entry.mediaType())));
      }
    } else if (doc instanceof ImageManifest m) {
      m.requireSingleFamily();
    }
    return new ImageNode(d, bytes, doc, children);
  }

  /** The tree rewritten in {@code format}; unchanged documents keep their bytes and digests. */
  private ImageNode convert(ImageNode node, ImageFormat format, ImageLocation location) throws IOException {
    if (node.document() instanceof ImageManifest m) {
      if (m.format() == format) {
        return node;
      }
      ImageManifest converted;
      try {
        converted = m.convertTo(format);
      } catch (InvalidImageException e) {
        throw new InvalidImageException("cannot convert " + location.text() + " (" + node.descriptor()
            .digest() + ") to " + format + ": " + e.getMessage(), e);
      }
      return rewritten(node, converted, Json.write(converted), List.of(), format);
    }
    ImageIndex index = (ImageIndex) node.document();
    List<ImageNode> children = new ArrayList<>();
    boolean changed = index.format() != format;
    for (ImageNode child : node.children()) {
      if (format == ImageFormat.DOCKER && child.descriptor().annotation("vnd.docker.reference.type") != null) {
        // Attestations (provenance, SBOMs) are OCI artifacts: a Docker manifest list cannot list them.
        listener.info("leaving out attestation " + child.descriptor().digest() + ": Docker format cannot"
            + " carry it");
        changed = true;
        continue;
      }
      ImageNode converted = convert(child, format, location);
      changed |= converted != child;
      children.add(converted);
    }
    if (!changed) {
      return node;
    }
    ImageIndex converted = ImageIndex.of(format, children.stream().map(ImageNode::descriptor).toList());
    if (format == ImageFormat.OCI && index.annotations() != null && !index.annotations().isEmpty()) {
      converted = converted.withAnnotations(index.annotations());
    }
    return rewritten(node, converted, Json.write(converted), children, format);
  }

  private ImageNode rewritten(ImageNode old, ManifestDocument doc, byte[] bytes, List<ImageNode> children,
      ImageFormat format) throws IOException {
    // Destinations write the node's bytes; storing them too only caches them, which a store this
    // process cannot write (a copy out of a read-only one) does without.
    Descriptor stored = store.writable() ? store.put(doc.contentType(), bytes)
        : Descriptor.of(doc.contentType(), Digest.of(bytes), bytes.length);
    Descriptor was = old.descriptor();
    // Keep how the parent index describes the entry (platform; annotations where the format has them).
    Descriptor d = new Descriptor(stored.mediaType(), stored.digest(), stored.size(),
        format == ImageFormat.OCI ? was.urls() : null,
        format == ImageFormat.OCI ? was.annotations() : null, was.platform(),
        format == ImageFormat.OCI ? was.artifactType() : null);
    return new ImageNode(d, bytes, doc, children);
  }

  private void forEachInParallel(Collection<Descriptor> blobs, ParallelBlobs.BlobTask task)
      throws IOException {
    try (ParallelBlobs run = ParallelBlobs.start(blobs, parallelism, task)) {
      run.awaitAll();
    }
  }

  /** Settings for an {@link ImageTransfer}; {@link #store(Store)} is required. */
  public static final class Builder {
    private Store store;
    private RegistryClient client;
    private TransferListener listener = TransferListener.NONE;
    private int parallelism = DEFAULT_PARALLELISM;
    private List<String> mirrors = List.of();
    private boolean offline;

    private Builder() {}

    /** The store used as the hub and for {@code store:} locations (required). */
    public Builder store(Store value) {
      this.store = Objects.requireNonNull(value, "store");
      return this;
    }

    /** The client for {@code docker://} locations (default: anonymous, with default settings). */
    public Builder registryClient(RegistryClient value) {
      this.client = Objects.requireNonNull(value, "registryClient");
      return this;
    }

    /** Receives progress (default: none). */
    public Builder listener(TransferListener value) {
      this.listener = Objects.requireNonNull(value, "listener");
      return this;
    }

    /** How many blobs move at once (default {@value ImageTransfer#DEFAULT_PARALLELISM}). */
    public Builder parallelism(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("parallelism must be at least 1, not " + value);
      }
      this.parallelism = value;
      return this;
    }

    /**
     * Registry hosts ({@code host:port}) to try, with the same repository, before a blob's origin
     * registry when fetching a blob the store lacks (default: none).
     */
    public Builder mirrors(List<String> value) {
      this.mirrors = List.copyOf(value);
      return this;
    }

    /**
     * With true, no registry is contacted: {@code docker://} locations are refused and blobs the
     * store lacks fail with {@link BlobNotAvailableException} instead of being fetched (default false).
     */
    public Builder offline(boolean value) {
      this.offline = value;
      return this;
    }

    public ImageTransfer build() {
      if (store == null) {
        throw new IllegalStateException("an ImageTransfer needs a store: call"
            + " store(Store.open(Store.defaultDirectory().path()))");
      }
      return new ImageTransfer(this);
    }
  }
}
