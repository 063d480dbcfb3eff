package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a request picks its upstream, and what {@code --upstream NAME=URL} accepts. */
class UpstreamsTest {
  private final Upstreams two = Upstreams.parse(List.of("docker.io=https://registry-1.docker.io",
      "local=http://127.0.0.1:5001"));

  @Test
  void theFirstIsTheDefaultUnlessOneIsNamedDefault() {
    assertEquals("docker.io", two.byDefault().name());
    Upstreams named = Upstreams.parse(List.of("a=http://127.0.0.1:1", "default=http://127.0.0.1:2"));
    assertEquals("default", named.byDefault().name());
  }

  @Test
  void parsesHostAndScheme() {
    Upstreams.Upstream local = two.all().get(1);
    assertEquals("127.0.0.1:5001", local.host());
    assertTrue(local.insecure(), "http: plain HTTP allowed");
    assertEquals("registry-1.docker.io", two.all().get(0).host());
    assertFalse(two.all().get(0).insecure());
  }

  @Test
  void routesByNsThenByPrefixThenToTheDefault() {
    Upstreams.Target ns = two.route("library/debian", "127.0.0.1:5001");
    assertEquals("local", ns.upstream().name(), "ns matches an upstream's host");
    assertEquals("library/debian", ns.remoteRepository());
    assertEquals("local/library/debian", ns.cacheRepository());
    assertEquals("local", two.route("library/debian", "local").upstream().name(), "or its name");
    assertEquals("docker.io", two.route("library/debian", "quay.io").upstream().name(),
        "an unknown ns: the default");

    Upstreams.Target prefix = two.route("local/team/app", null);
    assertEquals("local", prefix.upstream().name());
    assertEquals("team/app", prefix.remoteRepository());
    assertEquals("local/team/app", prefix.cacheRepository());
    assertTrue(prefix.prefixed());

    Upstreams.Target plain = two.route("library/debian", null);
    assertEquals("docker.io", plain.upstream().name());
    assertEquals("library/debian", plain.remoteRepository());
    assertEquals("docker.io/library/debian", plain.cacheRepository());
    assertFalse(plain.prefixed());
    assertEquals("localx/app", two.route("localx/app", null).remoteRepository(), "whole components only");
  }

  @Test
  void refusesWhatCannotBeAnUpstream() {
    for (String bad : List.of("docker.io", "=http://h", "Docker=http://h", "a/b=http://h",
        "x=ftp://h", "x=http://h/v2/", "x=h:5000")) {
      assertThrows(IllegalArgumentException.class, () -> Upstreams.parse(List.of(bad)), bad);
    }
    assertThrows(IllegalArgumentException.class,
        () -> Upstreams.parse(List.of("a=http://h", "a=http://g")), "a name twice");
  }
}
