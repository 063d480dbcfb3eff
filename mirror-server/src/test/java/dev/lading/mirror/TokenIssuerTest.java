package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bearer tokens: what they grant, until when, and only from the issuer that signed them. */
class TokenIssuerTest {
  private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aTokenGrantsItsScopesUntilItExpires() throws Exception {
    TokenIssuer issuer = new TokenIssuer(Duration.ofMinutes(5));
    String token = issuer.issue("alice",
        List.of(Scope.parse("repository:team/app:pull,push")), now);
    TokenIssuer.Grant grant = issuer.verify(token, now.plusSeconds(299)).orElseThrow();
    assertEquals("alice", grant.user());
    assertTrue(grant.allows("repository", "team/app", "push"));
    assertFalse(grant.allows("repository", "team/other", "pull"));
    assertTrue(issuer.verify(token, now.plusSeconds(300)).isEmpty(), "expired");
  }

  @Test
  void anotherIssuersTokenIsNotAccepted() throws Exception {
    String token = new TokenIssuer(Duration.ofMinutes(5)).issue(null, List.of(), now);
    assertTrue(new TokenIssuer(Duration.ofMinutes(5)).verify(token, now).isEmpty());
    assertTrue(new TokenIssuer(Duration.ofMinutes(5)).verify("garbage", now).isEmpty());
  }

  @Test
  void scopesKeepHostPortNames() {
    Scope scope = Scope.parse("repository:127.0.0.1:5000/app:pull");
    assertEquals("127.0.0.1:5000/app", scope.name());
    assertEquals("repository:127.0.0.1:5000/app:pull", scope.toString());
  }
}
