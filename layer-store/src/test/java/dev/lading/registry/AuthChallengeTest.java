package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {
  @Test
  void parsesABearerChallengeWithCommasInsideQuotes() {
    List<AuthChallenge> challenges = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\","
        + "service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\"");
    assertEquals(List.of(new AuthChallenge("bearer", Map.of("realm", "https://auth.docker.io/token",
        "service", "registry.docker.io", "scope", "repository:library/busybox:pull,push"))), challenges);
  }

  @Test
  void parsesBasicAndSeveralChallengesInOneHeader() {
    List<AuthChallenge> challenges = AuthChallenge.parse(
        "Basic realm=\"Registry Realm\", Bearer realm=\"https://t/token\", service=svc,error=\"insufficient_scope\"");
    assertEquals(2, challenges.size());
    assertTrue(challenges.get(0).isBasic());
    assertEquals("Registry Realm", challenges.get(0).param("realm"));
    assertTrue(challenges.get(1).isBearer());
    assertEquals("svc", challenges.get(1).param("service"));
    assertEquals("insufficient_scope", challenges.get(1).param("error"));
  }

  @Test
  void unescapesQuotedValuesAndLowercasesNames() {
    AuthChallenge c = AuthChallenge.parse("BEARER Realm=\"a \\\"quoted\\\" realm\"").get(0);
    assertEquals("bearer", c.scheme());
    assertEquals("a \"quoted\" realm", c.param("realm"));
  }

  @Test
  void toleratesGarbageWithoutLoopingOrFailing() {
    assertEquals(List.of(), AuthChallenge.parse(""));
    assertEquals(List.of(), AuthChallenge.parse(null));
    List<AuthChallenge> odd = AuthChallenge.parse("=, Bearer realm=\"unterminated");
    assertEquals("unterminated", odd.get(odd.size() - 1).param("realm"));
  }
}
