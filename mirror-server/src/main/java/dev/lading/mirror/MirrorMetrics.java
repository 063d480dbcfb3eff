package dev.lading.mirror;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The mirror's counters, served at {@code /metrics} in Prometheus' text format (version 0.0.4):
 * requests, cache hits and misses, bytes served, upstream fetches and bytes, the forward queue. Plain
 * counters, no library: the format is a few lines of text.
 */
public final class MirrorMetrics {
  /** What a cache counter is about. */
  enum Kind { MANIFEST, BLOB }

  /** What the mirror asked an upstream for. */
  enum Fetch { MANIFEST, BLOB, TAG_CHECK, TAG_LIST, REFERRERS }

  private static final java.util.Set<String> KNOWN_METHODS =
      java.util.Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<Kind, LongAdder> hits = counters(Kind.class);
  private final Map<Kind, LongAdder> misses = counters(Kind.class);
  private final Map<Fetch, LongAdder> fetches = counters(Fetch.class);
  private final LongAdder bytesServed = new LongAdder();
  private final LongAdder upstreamBytes = new LongAdder();
  private volatile LongSupplier forwardQueueDepth = () -> 0;
  private volatile LongSupplier forwardFailures = () -> 0;
  private volatile LongSupplier forwardsFailing = () -> 0;

  private static <K extends Enum<K>> Map<K, LongAdder> counters(Class<K> keys) {
    Map<K, LongAdder> map = new java.util.EnumMap<>(keys);
    for (K k : keys.getEnumConstants()) {
      map.put(k, new LongAdder());
    }
    return map;
  }

  /** Reads the forward queue from {@code outbox} from now on. */
  public void watch(Outbox outbox) {
    forwardQueueDepth = outbox::depth;
    forwardFailures = outbox::failedAttempts;
    forwardsFailing = outbox::failing;
  }

  void request(String method, int status, long bytes) {
    // Clients choose the method: anything unusual is one series, so they cannot grow the map.
    String m = KNOWN_METHODS.contains(method) ? method : "OTHER";
    requests.computeIfAbsent(m + " " + status / 100 + "xx", k -> new LongAdder()).increment();
    bytesServed.add(Math.max(bytes, 0));
  }

  void hit(Kind kind) {
    hits.get(kind).increment();
  }

  void miss(Kind kind) {
    misses.get(kind).increment();
  }

  void fetched(Fetch what, long bytes) {
    fetches.get(what).increment();
    upstreamBytes.add(bytes);
  }

  /** Hits over hits and misses, manifests and blobs together; NaN before any. */
  double hitRatio() {
    long h = hits.values().stream().mapToLong(LongAdder::sum).sum();
    long m = misses.values().stream().mapToLong(LongAdder::sum).sum();
    return h + m == 0 ? Double.NaN : (double) h / (h + m);
  }

  long forwardQueueDepth() {
    return forwardQueueDepth.getAsLong();
  }

  /** Pending forwards whose last attempt failed. */
  long forwardsFailing() {
    return forwardsFailing.getAsLong();
  }

  /** The exposition text. */
  String render() {
    StringBuilder out = new StringBuilder();
    header(out, "lading_mirror_requests_total", "counter",
        "Requests answered, by method and status class.");
    new TreeMap<>(requests).forEach((key, n) -> {
      String[] parts = key.split(" ");
      line(out, "lading_mirror_requests_total{method=\"" + parts[0] + "\",status=\"" + parts[1]
          + "\"}", n.sum());
    });
    header(out, "lading_mirror_cache_hits_total", "counter",
        "Manifest and blob reads served from the store without asking an upstream.");
    hits.forEach((k, n) -> line(out, "lading_mirror_cache_hits_total{kind=\"" + label(k) + "\"}",
        n.sum()));
    header(out, "lading_mirror_cache_misses_total", "counter",
        "Manifest and blob reads the store could not serve alone: fetched upstream, or 404.");
    misses.forEach((k, n) -> line(out, "lading_mirror_cache_misses_total{kind=\"" + label(k)
        + "\"}", n.sum()));
    header(out, "lading_mirror_bytes_served_total", "counter", "Response bytes sent to clients.");
    line(out, "lading_mirror_bytes_served_total", bytesServed.sum());
    header(out, "lading_mirror_upstream_fetches_total", "counter",
        "Requests to upstream registries: manifests, blobs, tag checks (HEAD), tag and referrer"
            + " lists.");
    fetches.forEach((k, n) -> line(out, "lading_mirror_upstream_fetches_total{kind=\"" + label(k)
        + "\"}", n.sum()));
    header(out, "lading_mirror_upstream_bytes_total", "counter",
        "Manifest and blob bytes received from upstream registries.");
    line(out, "lading_mirror_upstream_bytes_total", upstreamBytes.sum());
    header(out, "lading_mirror_forward_queue_depth", "gauge",
        "Pushes waiting in the outbox to be forwarded upstream.");
    line(out, "lading_mirror_forward_queue_depth", forwardQueueDepth.getAsLong());
    header(out, "lading_mirror_forward_failures_total", "counter",
        "Failed attempts to forward a push upstream (each is retried).");
    line(out, "lading_mirror_forward_failures_total", forwardFailures.getAsLong());
    return out.toString();
  }

  private static String label(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void line(StringBuilder out, String series, long value) {
    out.append(series).append(' ').append(value).append('\n');
  }
}
