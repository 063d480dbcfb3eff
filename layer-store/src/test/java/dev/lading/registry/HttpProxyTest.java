package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Proxy values: URL parsing, Maven's nonProxyHosts patterns, and the environment's variables. */
class HttpProxyTest {
  @Test
  void parsesProxyUrlsWithAndWithoutCredentials() {
    HttpProxy p = HttpProxy.parse("https", "http://us%40er:p%3Ass@proxy.corp:3128/", List.of());
    assertEquals("proxy.corp", p.host());
    assertEquals(3128, p.port());
    assertEquals(new Credential("us@er", "p:ss"), p.credential());
    HttpProxy bare = HttpProxy.parse("http", "proxy.corp", List.of());
    assertEquals(80, bare.port());
    assertNull(bare.credential());
    assertFalse(p.toString().contains("p:ss"), p.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpProxy.parse("https", "socks5://u:secret@proxy:1080", List.of()));
    assertTrue(e.getMessage().contains("only http://") && !e.getMessage().contains("secret"), e.getMessage());
  }

  @Test
  void matchesMavenNonProxyHostPatterns() {
    HttpProxy p = new HttpProxy("https", "proxy", 3128, null,
        HttpProxy.splitNonProxyHosts("*.example.com|localhost, 10.* |reg.corp:5000"));
    assertTrue(p.bypasses("a.example.com", 443));
    assertTrue(p.bypasses("A.B.Example.COM", 443));
    assertFalse(p.bypasses("example.com", 443));
    assertTrue(p.bypasses("localhost", 5000));
    assertTrue(p.bypasses("10.1.2.3", 443));
    assertTrue(p.bypasses("reg.corp", 5000));
    assertFalse(p.bypasses("reg.corp", 443));
    assertFalse(p.bypasses("ghcr.io", 443));
  }

  @Test
  void selectsByScheme() {
    HttpProxy https = new HttpProxy("https", "p1", 1, null, List.of());
    ProxyConfig config = new ProxyConfig(List.of(https));
    assertEquals(Optional.of(https), config.select("https", "ghcr.io", 443));
    assertEquals(Optional.empty(), config.select("http", "ghcr.io", 80));
    assertEquals(Optional.empty(), config.select("https", "127.0.0.1", 5000));
    assertEquals(Optional.empty(), config.select("https", "[::1]", 5000));
  }

  @Test
  void readsTheEnvironmentAsCurlDoes() {
    assertEquals(Optional.empty(), ProxyConfig.fromEnvironment(Map.of("PATH", "/bin")));
    ProxyConfig c = ProxyConfig.fromEnvironment(Map.of(
        "HTTPS_PROXY", "http://upper:1", "https_proxy", "http://lower:2",
        "HTTP_PROXY", "plain:3", "NO_PROXY", "internal.corp,.svc,reg:5000")).orElseThrow();
    assertEquals("lower", c.select("https", "ghcr.io", 443).orElseThrow().host());
    assertEquals("plain", c.select("http", "ghcr.io", 80).orElseThrow().host());
    assertTrue(c.select("https", "internal.corp", 443).isEmpty());
    assertTrue(c.select("https", "x.internal.corp", 443).isEmpty());
    assertTrue(c.select("https", "a.svc", 443).isEmpty());
    assertTrue(c.select("https", "svc", 443).isEmpty());
    assertTrue(c.select("http", "reg", 5000).isEmpty());
    assertFalse(c.select("http", "reg", 5001).isEmpty());
    ProxyConfig all = ProxyConfig.fromEnvironment(Map.of("https_proxy", "p:1", "no_proxy", "*")).orElseThrow();
    assertTrue(all.select("https", "ghcr.io", 443).isEmpty());
  }
}
