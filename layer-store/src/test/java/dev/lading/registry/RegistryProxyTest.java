package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.testing.ForwardProxy;
import dev.lading.testing.LocalRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client through a real HTTP forward proxy to a real docker-registry that has a name only the
 * proxy can resolve ({@code registry.test}): a request can only succeed through the proxy.
 */
class RegistryProxyTest {
  private static LocalRegistry registry;
  private static String host;

  @BeforeAll
  static void start() throws IOException {
    registry = LocalRegistry.start();
    host = "registry.test:" + registry.port();
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private static ProxyConfig via(ForwardProxy proxy, Credential credential, String... nonProxyHosts) {
    return new ProxyConfig(List.of(
        new HttpProxy("https", "127.0.0.1", proxy.port(), credential, List.of(nonProxyHosts)),
        new HttpProxy("http", "127.0.0.1", proxy.port(), credential, List.of(nonProxyHosts))));
  }

  private static RegistryClient client(ProxyConfig proxies) {
    return RegistryClient.builder().allowInsecure(host).proxies(proxies)
        .retryPolicy(new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ZERO)).build();
  }

  private static void roundTrip(RegistryClient client, String repository, long seed) throws IOException {
    TestImage image = TestImage.create(seed, 2000);
    Digest pushed = image.push(client, host, repository, "1");
    assertEquals(image.manifestDigest(), pushed);
    assertArrayEquals(image.manifest(), client.getManifest(host, repository, "1").bytes());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    client.fetchBlob(host, repository, image.layerDescriptor(0), BlobSink.of(out));
    assertArrayEquals(image.layers().get(0), out.toByteArray());
  }

  @Test
  void refusesPlainHttpToARegistryNotAllowedInsecure() throws IOException {
    // registry.test is not loopback and not allowed insecure: its plain-HTTP answer to the TLS
    // handshake must be refused with the hint, never silently downgraded.
    try (ForwardProxy proxy = ForwardProxy.start(Map.of("registry.test", "127.0.0.1"), null, null)) {
      RegistryClient strict = RegistryClient.builder().proxies(via(proxy, null))
          .retryPolicy(new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ZERO))
          .build();
      RegistryException e = assertThrows(RegistryException.class,
          () -> strict.getManifest(host, "any/app", "v1"));
      assertEquals(RegistryException.NO_STATUS, e.status());
      assertTrue(e.getMessage().contains("allowInsecureRegistries"), e.getMessage());
      assertEquals(0, proxy.forwarded(), "no plain-HTTP request was sent");
    }
  }

  @Test
  void pushesAndPullsThroughTheProxy() throws IOException {
    try (ForwardProxy proxy = ForwardProxy.start(Map.of("registry.test", "127.0.0.1"), null, null)) {
      roundTrip(client(via(proxy, null)), "proxied/app", 1);
      // HTTPS is tried first, through a CONNECT tunnel; the plain-HTTP registry then answers through
      // absolute-URI requests.
      assertTrue(proxy.tunnels() > 0, "CONNECT tunnels: " + proxy.tunnels());
      assertTrue(proxy.forwarded() > 5, "forwarded requests: " + proxy.forwarded());
    }
  }

  @Test
  void answersTheProxysChallengeWithItsCredentials() throws IOException {
    try (ForwardProxy proxy = ForwardProxy.start(Map.of("registry.test", "127.0.0.1"), "alice", "s3cret:%")) {
      roundTrip(client(via(proxy, new Credential("alice", "s3cret:%"))), "authproxy/app", 2);
      assertTrue(proxy.challenged() > 0, "407 challenges: " + proxy.challenged());
      assertTrue(proxy.forwarded() > 5, "forwarded requests: " + proxy.forwarded());
    }
  }

  @Test
  void withoutOrWithWrongProxyCredentialsSaysWhatToConfigure() throws IOException {
    try (ForwardProxy proxy = ForwardProxy.start(Map.of("registry.test", "127.0.0.1"), "alice", "right")) {
      for (Credential credential : java.util.Arrays.asList(null, new Credential("alice", "wrong"))) {
        RegistryException e = assertThrows(RegistryException.class,
            () -> client(via(proxy, credential)).getManifest(host, "authproxy/none", "1"));
        assertTrue(e.getMessage().contains("407") && e.getMessage().contains("<proxy> in settings.xml")
            && e.getMessage().contains("HTTPS_PROXY"), e.getMessage());
        assertEquals(0, proxy.forwarded());
      }
    }
  }

  @Test
  void nonProxyHostsAndLoopbackGoDirect() throws IOException {
    try (ForwardProxy proxy = ForwardProxy.start(Map.of("registry.test", "127.0.0.1"), null, null)) {
      // registry.test bypasses the proxy, and nothing else can resolve it.
      RegistryException e = assertThrows(RegistryException.class,
          () -> client(via(proxy, null, "localhost", "*.test")).getManifest(host, "direct/app", "1"));
      assertTrue(e.getMessage().contains("unknown host registry.test"), e.getMessage());
      // A loopback registry is never proxied: the proxy cannot resolve 127.0.0.1 and is not asked.
      RegistryClient client = client(via(proxy, null));
      assertFalse(client.headManifest(registry.hostPort(), "direct/app", "1").isPresent());
      assertEquals(0, proxy.forwarded() + proxy.tunnels());
    }
  }

  @Test
  void withoutTheProxyTheNameDoesNotResolve() {
    RegistryException e = assertThrows(RegistryException.class,
        () -> client(ProxyConfig.DIRECT).getManifest(host, "direct/app", "1"));
    assertTrue(e.getMessage().contains("unknown host"), e.getMessage());
  }
}
