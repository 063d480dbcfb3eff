package dev.lading.mirror;

import dev.lading.io.ByteSize;
import dev.lading.store.Store;
import dev.lading.store.StoreUsage;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /_lading/status}: one small HTML page for a person: the repositories with their tag counts
 * and sizes, the store's size, the cache hit ratio and the forwards pending and failing.
 */
final class StatusPage {
  static final String PATH = "/_lading/status";

  private final RegistryStorage storage;
  private final Store store;
  private final MirrorMetrics metrics;

  /** {@code store} may be null: sizes are then left out. */
  StatusPage(RegistryStorage storage, Store store, MirrorMetrics metrics) {
    this.storage = storage;
    this.store = store;
    this.metrics = metrics;
  }

  String render() throws IOException {
    Map<String, Long> repositoryBytes = new TreeMap<>();
    StoreUsage usage = store == null ? null : store.usage();
    if (usage != null) {
      for (StoreUsage.Image i : usage.images()) {
        int colon = i.image().name().lastIndexOf(':');
        if (i.image().tag() && colon > 0) {
          repositoryBytes.merge(i.image().name().substring(0, colon), i.bytes(), Long::sum);
        }
      }
    }
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>lading mirror</title>"
        + "<style>body{font-family:sans-serif}td,th{padding:2px 12px;text-align:left}"
        + "td.n{text-align:right}</style></head><body>\n<h1>lading mirror</h1>\n<p>");
    if (usage != null) {
      html.append("Store: ").append(ByteSize.human(usage.totalBytes())).append(" in ")
          .append(usage.blobs()).append(" blobs. ");
    }
    double ratio = metrics.hitRatio();
    html.append("Cache hit ratio: ").append(Double.isNaN(ratio) ? "no reads yet"
        : String.format(Locale.ROOT, "%.1f%%", ratio * 100)).append(". ");
    html.append("Forwards pending: ").append(metrics.forwardQueueDepth()).append(", failing: ")
        .append(metrics.forwardsFailing()).append(".</p>\n");
    List<String> repositories = storage.repositories();
    html.append("<table>\n<tr><th>repository</th><th>tags</th><th>size</th></tr>\n");
    for (String r : repositories) {
      Long bytes = repositoryBytes.get(r);
      html.append("<tr><td>").append(escape(r)).append("</td><td class=\"n\">")
          .append(storage.storedTags(r).size()).append("</td><td class=\"n\">")
          .append(bytes == null ? "" : ByteSize.human(bytes)).append("</td></tr>\n");
    }
    html.append("</table>\n<p>").append(repositories.size()).append(" repositories."
        + " Counters: <a href=\"/metrics\">/metrics</a>.</p>\n</body></html>\n");
    return html.toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
