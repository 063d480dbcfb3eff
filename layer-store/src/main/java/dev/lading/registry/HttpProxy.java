package dev.lading.registry;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One HTTP proxy that registry requests go through: its address, the scheme of the URLs it carries,
 * optional Basic credentials (answered when the proxy asks with 407), and the hosts that bypass it.
 *
 * @param protocol the scheme of the registry URLs this proxy carries: {@code http} or {@code https}
 *     (HTTPS goes through the proxy as a {@code CONNECT} tunnel; the proxy itself is spoken to in HTTP)
 * @param host the proxy's host name or address
 * @param port the proxy's port
 * @param credential the proxy's user and password, or null when it needs none
 * @param nonProxyHosts registry hosts reached directly, in Maven's syntax: {@code *} matches any
 *     characters ({@code *.example.com}, {@code 10.*}, {@code localhost}); a pattern with a port
 *     ({@code reg.example.com:5000}) matches only that port
 */
public record HttpProxy(String protocol, String host, int port, Credential credential,
    List<String> nonProxyHosts) {

  public HttpProxy {
    Objects.requireNonNull(protocol, "protocol");
    protocol = protocol.toLowerCase(Locale.ROOT);
    if (!protocol.equals("http") && !protocol.equals("https")) {
      throw new IllegalArgumentException("proxy protocol must be http or https, not '" + protocol + "'");
    }
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("proxy host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("proxy port " + port + " is not between 1 and 65535");
    }
    nonProxyHosts = List.copyOf(nonProxyHosts);
  }

  /**
   * Reads a proxy as the environment variables {@code HTTPS_PROXY}/{@code HTTP_PROXY} give it:
   * {@code http://user:password@host:port}, or just {@code host:port} (port 80 when absent, as curl).
   * The user and password may be percent-encoded.
   */
  public static HttpProxy parse(String protocol, String url, List<String> nonProxyHosts) {
    String value = url.trim();
    URI uri;
    try {
      uri = URI.create(value.contains("://") ? value : "http://" + value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a proxy URL: '" + redact(value) + "' (expected"
          + " http://[user:password@]host:port)", e);
    }
    if (uri.getScheme() != null && !uri.getScheme().equalsIgnoreCase("http")) {
      throw new IllegalArgumentException("proxy '" + redact(value) + "': only http:// proxies are"
          + " supported, not " + uri.getScheme() + "://");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("proxy '" + redact(value) + "' names no host (expected"
          + " http://[user:password@]host:port)");
    }
    Credential credential = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      String password = colon < 0 ? "" : userInfo.substring(colon + 1);
      credential = new Credential(decode(user), decode(password));
    }
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
        : uri.getHost();
    return new HttpProxy(protocol, host, uri.getPort() < 0 ? 80 : uri.getPort(), credential, nonProxyHosts);
  }

  /**
   * Splits a Maven {@code nonProxyHosts} value ({@code *.example.com|localhost}; commas are accepted
   * too) into patterns.
   */
  public static List<String> splitNonProxyHosts(String value) {
    List<String> patterns = new ArrayList<>();
    if (value == null) {
      return patterns;
    }
    for (String p : value.split("[|,]")) {
      if (!p.isBlank()) {
        patterns.add(p.trim());
      }
    }
    return patterns;
  }

  /** True when requests to {@code host} (a name or address, without brackets) on {@code port} go direct. */
  public boolean bypasses(String host, int port) {
    String h = strip(host).toLowerCase(Locale.ROOT);
    for (String raw : nonProxyHosts) {
      String pattern = raw.trim().toLowerCase(Locale.ROOT);
      int colon = pattern.lastIndexOf(':');
      // host:port, but not a bare IPv6 address (several colons and no brackets).
      if (colon > 0 && pattern.indexOf(':') == colon && pattern.substring(colon + 1).matches("\\d+")) {
        if (Integer.parseInt(pattern.substring(colon + 1)) != port) {
          continue;
        }
        pattern = pattern.substring(0, colon);
      }
      if (glob(strip(pattern)).matcher(h).matches()) {
        return true;
      }
    }
    return false;
  }

  /** {@code host:port}, for messages. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    String[] parts = pattern.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(parts[i]));
    }
    return Pattern.compile(regex.toString());
  }

  private static String strip(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String redact(String url) {
    return url.replaceFirst("//[^@/]*@", "//***@");
  }
}
