package dev.lading.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import okhttp3.Challenge;
import okhttp3.Credentials;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.Route;

/**
 * Plugs a {@link ProxyConfig} into OkHttp: picks the proxy per URL, and answers a proxy's 407 with the
 * Basic credentials configured for that proxy (once: a second 407 means they were refused).
 */
final class ProxyRouting extends ProxySelector implements okhttp3.Authenticator {
  private final ProxyConfig config;

  ProxyRouting(ProxyConfig config) {
    this.config = config;
  }

  @Override
  public List<Proxy> select(URI uri) {
    int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    Optional<HttpProxy> proxy = config.select(uri.getScheme(), uri.getHost(), port);
    return List.of(proxy.map(p -> new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(p.host(),
        p.port()))).orElse(Proxy.NO_PROXY));
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException failure) {
    // Nothing to learn: the request reports the failure, and there is no other proxy to fall back to.
  }

  @Override
  public Request authenticate(Route route, Response response) {
    if (response.code() != 407 || route == null || !(route.proxy().address() instanceof InetSocketAddress a)) {
      return null;
    }
    HttpProxy proxy = config.proxies().stream()
        .filter(p -> p.host().equalsIgnoreCase(a.getHostString()) && p.port() == a.getPort()
            && p.credential() != null)
        .findFirst().orElse(null);
    // OkHttp asks once before each CONNECT with a made-up "OkHttp-Preemptive" challenge: answering only
    // real Basic challenges sends the password only to a proxy that asked for it.
    boolean basic = response.challenges().stream().map(Challenge::scheme).anyMatch("Basic"::equalsIgnoreCase);
    if (proxy == null || !basic) {
      return null;
    }
    String authorization = Credentials.basic(proxy.credential().username(), proxy.credential().secret(),
        StandardCharsets.UTF_8);
    if (authorization.equals(response.request().header("Proxy-Authorization"))) {
      return null; // refused: report the 407 instead of looping
    }
    return response.request().newBuilder().header("Proxy-Authorization", authorization).build();
  }
}
