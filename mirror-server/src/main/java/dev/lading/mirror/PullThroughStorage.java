package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageManifest;
import dev.lading.model.ManifestDocument;
import dev.lading.registry.ManifestResponse;
import dev.lading.registry.Referrers;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.RegistryException;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Pull-through over the store: what the store lacks is fetched from an upstream registry, stored and
 * served. Everything else (pushes, listings, deletes) is the store's, through
 * {@link StoreRegistryStorage}; with an {@link Outbox}, a push by tag (or of a referrer, by digest)
 * is also queued there to be forwarded to the upstream it routes to. Referrers are listed with the
 * upstream's ({@link ReferrersPullThrough}).
 *
 * <p>Images pulled through are cached under {@code NAME/REPOSITORY:TAG}, NAME being the upstream's
 * (so {@code docker.io/library/debian:12}), which is also their name for {@code lading inspect
 * store:...}. A tag is revalidated (a HEAD upstream) at most once per TTL; digests never are. When the
 * upstream fails, a cached tag is served with a {@code Warning} header. Each miss is fetched once
 * however many requests ask for it at the same time ({@link BlobPulls}, and {@link #once} for
 * manifests).
 */
public final class PullThroughStorage implements RegistryStorage {
  /** After an upstream failure, cached tags are served without asking again for this long. */
  static final Duration OFFLINE_RECHECK = Duration.ofSeconds(10);
  static final String WARNING = "upstream unreachable, served from cache";
  /** How long a {@code --forward sync} push waits for its forward before failing. */
  private static final Duration SYNC_WAIT = Duration.ofMinutes(2);

  private final Shared shared;
  private final String namespace;
  private final Consumer<String> warnings;
  /** Told when serving this request needs an upstream: a cache miss. */
  private final Runnable fetched;

  /** What every request's view shares. */
  private record Shared(StoreRegistryStorage local, Upstreams upstreams, RegistryClient client,
      RegistryClient manifestClient, Duration tagTtl, BlobPulls blobs, Consumer<String> log,
      Map<String, Checked> checked, SingleFlight flights, Outbox outbox,
      Map<String, Object> pushLocks, MirrorMetrics metrics, ReferrersPullThrough referrers) {}

  /** When a tag (or a list) was last asked of its upstream, and whether the upstream answered. */
  record Checked(long atNanos, boolean answered) {
    /** The upstream failed less than {@code OFFLINE_RECHECK} ago: what is here is served without asking. */
    boolean recentlyFailed(long now) {
      return !answered && now - atNanos < OFFLINE_RECHECK.toNanos();
    }
  }

  /**
   * Pull-through from {@code upstreams} into {@code local}.
   *
   * @param client fetches blobs (retries transient failures, resumes)
   * @param manifestClient fetches manifests, revalidates tags and asks blob sizes: without retries,
   *     so that a cached tag is served (and a miss refused) at once when the upstream is down
   * @param log receives a line per upstream failure
   */
  public PullThroughStorage(StoreRegistryStorage local, Upstreams upstreams, RegistryClient client,
      RegistryClient manifestClient, Duration tagTtl, Consumer<String> log) {
    this(local, upstreams, client, manifestClient, tagTtl, null, new MirrorMetrics(), log);
  }

  /**
   * Pull-through as above, and pushes by tag forwarded to the upstream they route to through
   * {@code outbox} (null or {@link Outbox.Mode#OFF}: pushes stay here); upstream requests counted
   * in {@code metrics}.
   */
  public PullThroughStorage(StoreRegistryStorage local, Upstreams upstreams, RegistryClient client,
      RegistryClient manifestClient, Duration tagTtl, Outbox outbox, MirrorMetrics metrics,
      Consumer<String> log) {
    this(shared(local, upstreams, client, manifestClient, tagTtl, outbox, metrics, log), null,
        text -> { }, () -> { });
  }

  private static Shared shared(StoreRegistryStorage local, Upstreams upstreams,
      RegistryClient client, RegistryClient manifestClient, Duration tagTtl, Outbox outbox,
      MirrorMetrics metrics, Consumer<String> log) {
    SingleFlight flights = new SingleFlight();
    return new Shared(local, upstreams, client, manifestClient, tagTtl,
        new BlobPulls(local.store(), log), log, new ConcurrentHashMap<>(), flights,
        outbox == null || outbox.mode() == Outbox.Mode.OFF ? null : outbox,
        new ConcurrentHashMap<>(), metrics,
        new ReferrersPullThrough(local, upstreams, manifestClient, flights, metrics, log));
  }

  private PullThroughStorage(Shared shared, String namespace, Consumer<String> warnings,
      Runnable fetched) {
    this.shared = shared;
    this.namespace = namespace;
    this.warnings = warnings;
    this.fetched = fetched;
  }

  @Override
  public RegistryStorage forRequest(String namespace, Consumer<String> warnings) {
    return forRequest(namespace, warnings, () -> { });
  }

  @Override
  public RegistryStorage forRequest(String namespace, Consumer<String> warnings,
      Runnable fetched) {
    return new PullThroughStorage(shared, namespace, warnings, fetched);
  }

  private StoreRegistryStorage local() {
    return shared.local();
  }

  private Store store() {
    return shared.local().store();
  }

  // ---- what pull-through changes ----

  @Override
  public Optional<Descriptor> tag(String repository, String tag) throws IOException {
    Upstreams.Target target = shared.upstreams().route(repository, namespace);
    if (!target.prefixed() && namespace == null) {
      // A name pushed or built here wins: localhost/app:1 is not looked for upstream.
      Optional<Descriptor> own = local().tag(repository, tag);
      if (own.isPresent()) {
        return own;
      }
    }
    Optional<Descriptor> cached = local().tag(target.cacheRepository(), tag);
    String key = target.cacheRepository() + ":" + tag;
    Checked last = shared.checked().get(key);
    long now = System.nanoTime();
    if (cached.isPresent() && last != null) {
      if (last.answered() && now - last.atNanos() < shared.tagTtl().toNanos()) {
        return cached;
      }
      if (last.recentlyFailed(now)) {
        warnings.accept(WARNING);
        return cached;
      }
    }
    try {
      Optional<Descriptor> fresh = shared.flights().once("tag " + key,
          () -> refreshTag(target, tag, cached));
      shared.checked().put(key, new Checked(System.nanoTime(), true));
      return fresh;
    } catch (IOException e) {
      if (cached.isEmpty()) {
        throw new UpstreamUnavailableException(target.upstream().name(), key, e);
      }
      shared.checked().put(key, new Checked(System.nanoTime(), false));
      shared.log().accept("upstream " + target.upstream().name() + " failed for " + key
          + ", serving the cached " + cached.get().digest() + ": " + e.getMessage());
      warnings.accept(WARNING);
      return cached;
    }
  }

  /** Compares a cached tag with the upstream (HEAD), or fetches it; stores what changed. */
  private Optional<Descriptor> refreshTag(Upstreams.Target target, String tag,
      Optional<Descriptor> cached) throws IOException {
    String host = target.upstream().host();
    String remote = target.remoteRepository();
    RegistryClient client = shared.manifestClient();
    ManifestResponse manifest;
    if (cached.isPresent()) {
      Optional<Descriptor> now = client.headManifest(host, remote, tag);
      shared.metrics().fetched(MirrorMetrics.Fetch.TAG_CHECK, 0);
      if (now.isEmpty() || now.get().digest().equals(cached.get().digest())) {
        return cached; // unchanged, or gone upstream: what was cached stays served
      }
      fetched.run();
      manifest = client.getManifest(host, remote, now.get().digest().toString());
    } else {
      fetched.run();
      try {
        manifest = client.getManifest(host, remote, tag);
      } catch (RegistryException e) {
        if (e.status() == 404) {
          return Optional.empty();
        }
        throw e;
      }
    }
    shared.metrics().fetched(MirrorMetrics.Fetch.MANIFEST, manifest.bytes().length);
    Descriptor stored = keep(target, manifest);
    store().setTag(target.cacheRepository(), tag, stored);
    return Optional.of(stored);
  }

  /**
   * The upstream's tags (asked every time: listing is how clients find tags they never pulled), with
   * those cached here and, for a name pushed here, its own; when the upstream does not answer, what
   * is here, with a {@code Warning}.
   */
  @Override
  public List<String> tags(String repository) throws IOException {
    Upstreams.Target target = shared.upstreams().route(repository, namespace);
    TreeSet<String> tags = new TreeSet<>(local().tags(target.cacheRepository()));
    if (!target.prefixed() && namespace == null) {
      tags.addAll(local().tags(repository));
    }
    String key = "tags of " + target.cacheRepository();
    Checked last = shared.checked().get(key);
    if (last != null && last.recentlyFailed(System.nanoTime())) {
      return offline(target, tags, null);
    }
    fetched.run();
    try {
      List<String> remote = shared.flights().once(key, () -> {
        List<String> listed;
        try {
          listed = shared.manifestClient().listTags(target.upstream().host(), target.remoteRepository());
        } catch (RegistryException e) {
          if (e.status() != 404) {
            throw e;
          }
          listed = List.of(); // the upstream has no such repository; this mirror may
        }
        shared.metrics().fetched(MirrorMetrics.Fetch.TAG_LIST, 0);
        return listed;
      });
      shared.checked().put(key, new Checked(System.nanoTime(), true));
      tags.addAll(remote);
      return List.copyOf(tags);
    } catch (IOException e) {
      shared.checked().put(key, new Checked(System.nanoTime(), false));
      return offline(target, tags, e);
    }
  }

  @Override
  public List<String> storedTags(String repository) throws IOException {
    return local().tags(repository);
  }

  private List<String> offline(Upstreams.Target target, TreeSet<String> tags, IOException e)
      throws IOException {
    if (tags.isEmpty()) {
      throw new UpstreamUnavailableException(target.upstream().name(), target.cacheRepository(),
          e != null ? e : new IOException("it did not answer in the last " + OFFLINE_RECHECK.toSeconds() + " s"));
    }
    if (e != null) {
      shared.log().accept("upstream " + target.upstream().name() + " failed listing the tags of "
          + target.cacheRepository() + ", serving the cached ones: " + e.getMessage());
    }
    warnings.accept(WARNING);
    return List.copyOf(tags);
  }

  @Override
  public Optional<byte[]> pullManifest(String repository, Digest digest) throws IOException {
    Upstreams.Target target = shared.upstreams().route(repository, namespace);
    fetched.run();
    return shared.flights().once("manifest " + digest, () -> {
      if (store().has(digest)) {
        return Optional.of(store().bytes(digest));
      }
      ManifestResponse manifest;
      try {
        manifest = shared.manifestClient().getManifest(target.upstream().host(),
            target.remoteRepository(), digest.toString());
      } catch (RegistryException e) {
        if (e.status() == 404) {
          return Optional.empty();
        }
        throw new UpstreamUnavailableException(target.upstream().name(), digest.toString(), e);
      } catch (IOException e) {
        throw new UpstreamUnavailableException(target.upstream().name(), digest.toString(), e);
      }
      shared.metrics().fetched(MirrorMetrics.Fetch.MANIFEST, manifest.bytes().length);
      Descriptor stored = keep(target, manifest);
      // Kept from gc like a manifest pushed by digest (an index's child, a referrer).
      store().setTag(target.cacheRepository(),
          StoreRegistryStorage.REVISION_PREFIX + stored.digest().hex(), stored);
      return Optional.of(manifest.bytes());
    });
  }

  /**
   * Stores a verified manifest and records where its blobs are, so that a build using the cached
   * image fetches layers nobody pulled yet from the same upstream.
   */
  private Descriptor keep(Upstreams.Target target, ManifestResponse manifest) throws IOException {
    Descriptor stored = store().put(manifest.mediaType(), manifest.bytes());
    try {
      if (ManifestDocument.parse(manifest.bytes(), manifest.mediaType()) instanceof ImageManifest m) {
        BlobOrigin origin = new BlobOrigin(target.upstream().host(), target.remoteRepository());
        store().addOrigin(m.config().digest(), origin);
        for (Descriptor layer : m.layers()) {
          store().addOrigin(layer.digest(), origin);
        }
      }
    } catch (RuntimeException notAnImage) {
      // served as the upstream sent it; only the origins are missing
    }
    return stored;
  }

  /**
   * The referrers the upstream lists (asked every time, as tags are) with those stored here; when
   * the upstream does not answer, its last list, with a {@code Warning}.
   */
  @Override
  public List<Descriptor> referrers(String repository, Digest subject, String artifactType)
      throws IOException {
    return shared.referrers().list(repository, namespace, subject, artifactType, warnings, fetched);
  }

  @Override
  public Optional<IncomingBlob> pullBlob(String repository, Digest digest) throws IOException {
    Upstreams.Target target = shared.upstreams().route(repository, namespace);
    String host = target.upstream().host();
    String remote = target.remoteRepository();
    fetched.run();
    try {
      return shared.blobs().pull(digest, source(host, remote, digest));
    } catch (IOException e) {
      throw new UpstreamUnavailableException(target.upstream().name(), digest.toString(), e);
    }
  }

  private BlobPulls.Source source(String host, String remote, Digest digest) {
    RegistryClient client = shared.client();
    return new BlobPulls.Source() {
      @Override
      public Optional<Long> size() throws IOException {
        // Without retries: while the upstream is down, a HEAD of an uncached blob answers at once.
        return shared.manifestClient().blobSize(host, remote, digest);
      }

      @Override
      public void fetch(long size, dev.lading.registry.BlobSink sink) throws IOException {
        client.fetchBlob(host, remote, Descriptor.of("application/octet-stream", digest, size), sink);
        shared.metrics().fetched(MirrorMetrics.Fetch.BLOB, size);
      }
    };
  }

  // ---- the store's, unchanged ----

  @Override
  public Optional<Path> blob(Digest digest) throws IOException {
    return local().blob(digest);
  }

  @Override
  public Optional<byte[]> smallBlob(Digest digest) throws IOException {
    return local().smallBlob(digest);
  }


  @Override
  public List<String> repositories() throws IOException {
    return local().repositories();
  }

  @Override
  public Descriptor putManifest(String repository, String tag, String mediaType, byte[] bytes,
      List<Digest> required) throws IOException, MissingBlob {
    if (shared.blobs() != null) {
      for (Digest d : required) {
        shared.blobs().awaitRunning(d); // a blob the client was answered about while it arrived
      }
    }
    Outbox outbox = shared.outbox();
    if (outbox == null || tag == null && !hasSubject(bytes, mediaType)) {
      // By digest alone: an index child travels with the index that names it. A referrer (a
      // subject) has no such index: it is forwarded by digest.
      return local().putManifest(repository, tag, mediaType, bytes, required);
    }
    Outbox.Forward forward;
    Descriptor stored;
    // One push of a repository at a time from tag to outbox, so the forwards' order is the tag's.
    synchronized (shared.pushLocks().computeIfAbsent(repository, k -> new Object())) {
      stored = local().putManifest(repository, tag, mediaType, bytes, required);
      forward = outbox.enqueue(repository, tag, stored,
          shared.upstreams().route(repository, namespace));
    }
    if (outbox.mode() == Outbox.Mode.SYNC) {
      try {
        outbox.awaitFirstAttempt(forward, SYNC_WAIT);
      } catch (IOException e) {
        throw new ForwardFailedException(forward, e);
      }
    }
    return stored;
  }

  private static boolean hasSubject(byte[] bytes, String mediaType) {
    try {
      return Referrers.subjectOf(ManifestDocument.parse(bytes, mediaType)).isPresent();
    } catch (RuntimeException unreadable) {
      return false; // the handler parsed it already; stored as it is
    }
  }

  @Override
  public Optional<byte[]> status() {
    return shared.outbox() == null ? Optional.empty() : Optional.of(shared.outbox().status());
  }

  @Override
  public List<Descriptor> manifests(String repository) throws IOException {
    return local().manifests(repository);
  }

  @Override
  public boolean deleteTag(String repository, String tag) throws IOException {
    return local().deleteTag(repository, tag);
  }

  @Override
  public boolean holds(String repository, Digest digest) {
    // Every name routes to an upstream, which is asked for what the store lacks (pullManifest); a
    // digest the store has is served from it either way, so there is nothing to look up here.
    return true;
  }

  @Override
  public boolean deleteManifest(String repository, Digest digest) throws IOException {
    return local().deleteManifest(repository, digest);
  }

  @Override
  public void putBlob(Digest expected, InputStream content) throws IOException {
    local().putBlob(expected, content);
  }

  @Override
  public Upload startUpload() throws IOException {
    return local().startUpload();
  }

  @Override
  public Optional<Upload> upload(String id) throws IOException {
    return local().upload(id);
  }
}
