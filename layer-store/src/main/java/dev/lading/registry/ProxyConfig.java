package dev.lading.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which HTTP proxy each registry request goes through: the first of {@link #proxies()} whose protocol
 * is the request's scheme and whose {@code nonProxyHosts} do not name the registry; no proxy when none
 * fits. Loopback registries ({@code localhost}, {@code 127.*}, {@code ::1}) are always reached
 * directly, as the JVM and Go's {@code httpproxy} do: a proxy cannot reach this machine's loopback.
 *
 * <p>Front ends choose the source: the Maven plugin maps the active {@code <proxies>} of
 * {@code settings.xml}; the CLI reads {@link #fromEnvironment the environment} as curl and docker do.
 * A client built without a {@code ProxyConfig} uses the JVM's proxy settings
 * ({@code -Dhttps.proxyHost}, {@code -Dhttp.nonProxyHosts}).
 */
public record ProxyConfig(List<HttpProxy> proxies) {
  /** No proxy at all, whatever the JVM's settings say. */
  public static final ProxyConfig DIRECT = new ProxyConfig(List.of());

  public ProxyConfig {
    proxies = List.copyOf(proxies);
  }

  /** The proxy for a request to {@code scheme://host:port}, or empty to connect directly. */
  public Optional<HttpProxy> select(String scheme, String host, int port) {
    if (RegistryHosts.isLoopback(host)) {
      return Optional.empty();
    }
    for (HttpProxy p : proxies) {
      if (p.protocol().equalsIgnoreCase(scheme) && !p.bypasses(host, port)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * The proxies the environment names, as curl and docker read them: {@code https_proxy} /
   * {@code HTTPS_PROXY} for HTTPS registries, {@code http_proxy} / {@code HTTP_PROXY} for plain HTTP
   * ones (lower case wins), and {@code no_proxy} / {@code NO_PROXY} for the hosts that bypass both:
   * comma-separated names where {@code example.com} and {@code .example.com} both cover the domain
   * and its subdomains, {@code *} covers everything, and {@code host:port} one port. CIDR ranges are
   * not understood. Empty when no proxy variable is set.
   */
  public static Optional<ProxyConfig> fromEnvironment(Map<String, String> env) {
    List<String> noProxy = new ArrayList<>();
    for (String entry : HttpProxy.splitNonProxyHosts(variable(env, "no_proxy"))) {
      String e = entry.startsWith("*.") ? entry.substring(2) : entry.startsWith(".") ? entry.substring(1) : entry;
      noProxy.add(e);
      if (!e.equals("*")) {
        noProxy.add("*." + e);
      }
    }
    List<HttpProxy> proxies = new ArrayList<>();
    String https = variable(env, "https_proxy");
    if (https != null) {
      proxies.add(HttpProxy.parse("https", https, noProxy));
    }
    String http = variable(env, "http_proxy");
    if (http != null) {
      proxies.add(HttpProxy.parse("http", http, noProxy));
    }
    return proxies.isEmpty() ? Optional.empty() : Optional.of(new ProxyConfig(proxies));
  }

  private static String variable(Map<String, String> env, String lowerName) {
    String value = env.get(lowerName);
    if (value == null || value.isBlank()) {
      value = env.get(lowerName.toUpperCase(java.util.Locale.ROOT));
    }
    return value == null || value.isBlank() ? null : value.trim();
  }
}
