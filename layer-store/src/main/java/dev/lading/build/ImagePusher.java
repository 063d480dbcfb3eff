package dev.lading.build;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.ManifestDocument;
import dev.lading.registry.BlobSource;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes an image from the store to a registry, moving as few bytes as possible: a blob the target
 * repository has is skipped; one that another repository of the same registry is known to hold (an
 * origin record) is mounted; only otherwise is it uploaded, after fetching it into the store from its
 * origin if the store does not hold it (a base layer never downloaded). Manifests go last, by digest
 * for the platform images of an index, then under each tag.
 */
public final class ImagePusher {
  private static final int PARALLEL_BLOBS = 4;

  private final Store store;
  private final RegistryClient client;
  private final BlobFetcher fetcher;
  private final BuildListener listener;

  public ImagePusher(Store store, RegistryClient client, List<String> mirrors, BuildListener listener) {
    this.store = store;
    this.client = Objects.requireNonNull(client, "a push needs a registry client");
    this.fetcher = new BlobFetcher(store, client, mirrors, listener);
    this.listener = listener;
  }

  /** How a push went: the digest pushed, and what happened to the blobs. */
  public record PushResult(Digest digest, List<ImageReference> targets, int uploaded, int mounted,
      int skipped, long bytesUploaded, long bytesFetched) {
    public PushResult {
      targets = List.copyOf(targets);
    }
  }

  /**
   * Pushes the store's {@code image} to every reference in {@code targets} (one registry and
   * repository, several tags).
   */
  public PushResult push(Descriptor image, List<ImageReference> targets) throws IOException {
    ImageReference first = targets.get(0);
    for (ImageReference t : targets) {
      if (!t.registry().equals(first.registry()) || !t.repository().equals(first.repository())) {
        throw new IllegalArgumentException("all push targets must be in one repository: " + targets);
      }
    }
    String host = first.registry();
    String repository = first.repository();
    Counters counters = new Counters();
    ManifestDocument top = ManifestDocument.parse(store.bytes(image.digest()), image.mediaType());
    List<Descriptor> images = top instanceof ImageIndex index ? index.manifests() : List.of(image);
    Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
    List<ImageManifest> manifests = new ArrayList<>();
    for (Descriptor d : images) {
      ImageManifest m = (ImageManifest) ManifestDocument.parse(store.bytes(d.digest()), d.mediaType());
      manifests.add(m);
      blobs.putIfAbsent(m.config().digest(), m.config());
      for (Descriptor layer : m.layers()) {
        blobs.putIfAbsent(layer.digest(), layer);
      }
    }
    pushBlobs(host, repository, new ArrayList<>(blobs.values()), counters);
    if (top instanceof ImageIndex) {
      for (Descriptor d : images) {
        client.putManifest(host, repository, d.digest().toString(), store.bytes(d.digest()), d.mediaType());
      }
    }
    byte[] bytes = store.bytes(image.digest());
    for (ImageReference t : targets) {
      client.putManifest(host, repository, t.tagOrDigest(), bytes, top.contentType());
      listener.info("pushed " + t + " (" + image.digest() + ")");
    }
    return new PushResult(image.digest(), targets, counters.uploaded.get(), counters.mounted.get(),
        counters.skipped.get(), counters.bytesUploaded.get(), counters.bytesFetched.get());
  }

  private static final class Counters {
    final AtomicInteger uploaded = new AtomicInteger();
    final AtomicInteger mounted = new AtomicInteger();
    final AtomicInteger skipped = new AtomicInteger();
    final AtomicLong bytesUploaded = new AtomicLong();
    final AtomicLong bytesFetched = new AtomicLong();
  }

  private void pushBlobs(String host, String repository, List<Descriptor> blobs, Counters counters)
      throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_BLOBS, Math.max(1, blobs.size())),
        r -> {
          Thread t = new Thread(r, "lading-push");
          t.setDaemon(true);
          return t;
        });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Descriptor blob : blobs) {
        futures.add(pool.submit(() -> {
          try {
            pushBlob(host, repository, blob, counters);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof UncheckedIOException u) {
            throw u.getCause();
          }
          if (cause instanceof RuntimeException r) {
            throw r;
          }
          throw new IOException(cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while pushing", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void pushBlob(String host, String repository, Descriptor blob, Counters counters)
      throws IOException {
    Origins origins = Origins.of(store.root());
    String here = host + "/" + repository;
    if (client.blobExists(host, repository, blob.digest())) {
      counters.skipped.incrementAndGet();
      listener.blobDone("skipped", blob.digest(), blob.size());
      origins.add(blob.digest(), here);
      return;
    }
    for (String origin : origins.get(blob.digest())) {
      String[] hostRepo = Origins.split(origin);
      if (hostRepo[0].equals(host) && !hostRepo[1].equals(repository)
          && client.mountBlob(host, repository, blob.digest(), hostRepo[1])) {
        counters.mounted.incrementAndGet();
        listener.blobDone("mounted", blob.digest(), blob.size());
        origins.add(blob.digest(), here);
        return;
      }
    }
    if (fetcher.ensure(blob)) {
      counters.bytesFetched.addAndGet(blob.size());
    }
    if (client.pushBlob(host, repository, blob, BlobSource.of(store.blobPath(blob.digest())))) {
      counters.uploaded.incrementAndGet();
      counters.bytesUploaded.addAndGet(blob.size());
      listener.blobDone("pushed", blob.digest(), blob.size());
    } else {
      counters.skipped.incrementAndGet();
    }
    origins.add(blob.digest(), here);
  }
}
