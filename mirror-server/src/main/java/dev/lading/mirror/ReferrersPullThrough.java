package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.registry.Referrers;
import dev.lading.registry.RegistryClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The referrers of a manifest through the pull-through mirror: what the upstream lists (its
 * referrers API, else its referrers tag; {@link Referrers}) merged with the referrers stored here
 * (pushed here, or pulled through by digest), each digest once, the upstream's first.
 *
 * <p>The upstream is asked every time, as for tag lists: a signature can be added upstream at any
 * moment, and a verifier that is shown an old list fails. Its answer is kept
 * ({@link ReferrersCache}); while it does not answer, or for {@link PullThroughStorage#OFFLINE_RECHECK}
 * after it failed, the kept answer is served with a {@code Warning}. With neither a kept answer nor
 * a referrer stored here, the request fails (503) rather than claim there are none: to a verifier an
 * empty list reads as "unsigned".
 */
final class ReferrersPullThrough {
  private final StoreRegistryStorage local;
  private final Upstreams upstreams;
  private final Referrers client;
  private final SingleFlight flights;
  private final MirrorMetrics metrics;
  private final Consumer<String> log;
  private final ReferrersCache cache;
  private final Map<String, PullThroughStorage.Checked> checked = new ConcurrentHashMap<>();

  /** Lists through {@code client} (no retries: a down upstream is noticed at once). */
  ReferrersPullThrough(StoreRegistryStorage local, Upstreams upstreams, RegistryClient client,
      SingleFlight flights, MirrorMetrics metrics, Consumer<String> log) {
    this.local = local;
    this.upstreams = upstreams;
    this.client = new Referrers(client);
    this.flights = flights;
    this.metrics = metrics;
    this.log = log;
    this.cache = new ReferrersCache(local.store().root());
  }

  /**
   * The referrers of {@code subject} for a request of {@code repository} routed by
   * {@code namespace}; {@code warnings} and {@code fetched} as in
   * {@link RegistryStorage#forRequest(String, Consumer, Runnable)}.
   */
  List<Descriptor> list(String repository, String namespace, Digest subject, String artifactType,
      Consumer<String> warnings, Runnable fetched) throws IOException {
    Upstreams.Target target = upstreams.route(repository, namespace);
    String cached = target.cacheRepository();
    List<Descriptor> here = new ArrayList<>(StoredReferrers.find(local, cached, subject));
    if (!target.prefixed() && namespace == null && !repository.equals(cached)) {
      here.addAll(StoredReferrers.find(local, repository, subject)); // pushed here by that name
    }
    String key = "referrers of " + cached + "@" + subject
        + (artifactType == null ? "" : "?artifactType=" + artifactType);
    PullThroughStorage.Checked last = checked.get(key);
    List<Descriptor> remote;
    if (last != null && last.recentlyFailed(System.nanoTime())) {
      remote = offline(target, subject, artifactType, here, null, warnings);
    } else {
      fetched.run();
      try {
        remote = flights.once(key, () -> {
          Referrers.Listing listing = client.list(target.upstream().host(),
              target.remoteRepository(), subject, artifactType);
          metrics.fetched(MirrorMetrics.Fetch.REFERRERS, 0);
          cache.put(cached, subject, artifactType, listing.manifests());
          return listing.manifests();
        });
        checked.put(key, new PullThroughStorage.Checked(System.nanoTime(), true));
      } catch (IOException e) {
        checked.put(key, new PullThroughStorage.Checked(System.nanoTime(), false));
        remote = offline(target, subject, artifactType, here, e, warnings);
      }
    }
    Map<Digest, Descriptor> merged = new LinkedHashMap<>();
    for (Descriptor d : remote) {
      merged.putIfAbsent(d.digest(), d);
    }
    for (Descriptor d : here) {
      merged.putIfAbsent(d.digest(), d);
    }
    return new ArrayList<>(merged.values());
  }

  /**
   * The upstream's last list: the one for this filter, else the unfiltered one (the caller filters);
   * nothing with a {@code Warning} when only referrers stored here are known; 503 when nothing is.
   */
  private List<Descriptor> offline(Upstreams.Target target, Digest subject, String artifactType,
      List<Descriptor> here, IOException e, Consumer<String> warnings) throws IOException {
    String cached = target.cacheRepository();
    Optional<List<Descriptor>> kept = cache.get(cached, subject, artifactType);
    if (kept.isEmpty() && artifactType != null) {
      kept = cache.get(cached, subject, null);
    }
    String what = "the referrers of " + cached + "@" + subject;
    if (kept.isEmpty() && here.isEmpty()) {
      throw new UpstreamUnavailableException(target.upstream().name(), what, e != null ? e
          : new IOException("it did not answer in the last "
              + PullThroughStorage.OFFLINE_RECHECK.toSeconds() + " s"));
    }
    if (e != null) {
      log.accept("upstream " + target.upstream().name() + " failed listing " + what
          + ", serving " + (kept.isPresent() ? "its last list" : "those stored here") + ": "
          + e.getMessage());
    }
    warnings.accept(PullThroughStorage.WARNING);
    return kept.orElse(List.of());
  }
}
