package dev.lading.transfer;

import dev.lading.registry.RegistryClient;
import dev.lading.registry.RegistryException;
import dev.lading.registry.RetryPolicy;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry mirrors ({@code host:port}) to try before an image's own registry, for one build or
 * copy. A mirror is optional, so it is asked once, without retries, and one that cannot be reached is
 * skipped for the rest of the run: a mirror that is down costs one failed connection, not a backoff
 * per blob.
 */
public final class Mirrors {
  private static final Mirrors NONE = new Mirrors(List.of());

  private final List<String> hosts;
  private final Set<String> unreachable = ConcurrentHashMap.newKeySet();

  public Mirrors(List<String> hosts) {
    this.hosts = List.copyOf(hosts);
  }

  /** No mirrors. */
  public static Mirrors none() {
    return NONE;
  }

  /** The mirrors still worth asking, in the configured order. */
  public List<String> usable() {
    return hosts.stream().filter(h -> !unreachable.contains(h)).toList();
  }

  /** Every configured mirror. */
  public List<String> all() {
    return hosts;
  }

  /**
   * Notes a failed request to {@code host}. A failure without an HTTP answer (refused, unknown host,
   * timeout) marks the mirror unreachable for the rest of the run; an HTTP error (say 404: the mirror
   * lacks that image) does not.
   */
  public void failed(String host, IOException e) {
    if (!(e instanceof RegistryException re) || re.status() == RegistryException.NO_STATUS) {
      unreachable.add(host);
    }
  }

  /** The client to ask mirrors with: {@code client} without retries. */
  public static RegistryClient clientFor(RegistryClient client) {
    return client == null ? null : client.withRetryPolicy(RetryPolicy.none());
  }

  @Override
  public String toString() {
    return "Mirrors" + hosts + (unreachable.isEmpty() ? "" : " unreachable " + unreachable);
  }
}
