package dev.lading.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks the mirror's bearer tokens: {@code base64url(claims).base64url(HMAC-SHA256)},
 * claims being the user, the expiry and the granted scopes. The key is made at start and never
 * stored, so a restart invalidates every token and clients simply ask for new ones.
 */
final class TokenIssuer {
  /** What a valid token says: who (null: anonymous) may do what until when. */
  record Grant(String user, List<Scope> scopes, Instant expires) {
    boolean allows(String type, String name, String action) {
      return scopes.stream().anyMatch(s -> s.allows(type, name, action));
    }
  }

  private final byte[] key = new byte[32];
  private final Duration lifetime;

  TokenIssuer(Duration lifetime) {
    new SecureRandom().nextBytes(key);
    this.lifetime = lifetime;
  }

  Duration lifetime() {
    return lifetime;
  }

  /** A token for {@code user} (null: anonymous) granting {@code scopes} from {@code now}. */
  String issue(String user, List<Scope> scopes, Instant now) throws IOException {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", user == null ? "" : user);
    claims.put("exp", now.plus(lifetime).getEpochSecond());
    claims.put("access", scopes.stream().map(Scope::toString).toList());
    String body = base64(Json.mapper().writeValueAsBytes(claims));
    return body + "." + base64(sign(body));
  }

  /** The grant of a token this issuer signed and that has not expired, else empty. */
  Optional<Grant> verify(String token, Instant now) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return Optional.empty();
    }
    String body = token.substring(0, dot);
    try {
      byte[] signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
      if (!MessageDigest.isEqual(signature, sign(body))) {
        return Optional.empty();
      }
      JsonNode claims = Json.mapper().readTree(Base64.getUrlDecoder().decode(body));
      Instant expires = Instant.ofEpochSecond(claims.path("exp").asLong());
      if (!now.isBefore(expires)) {
        return Optional.empty();
      }
      List<Scope> scopes = new ArrayList<>();
      for (JsonNode s : claims.path("access")) {
        Scope scope = Scope.parse(s.asText());
        if (scope != null) {
          scopes.add(scope);
        }
      }
      String user = claims.path("sub").asText();
      return Optional.of(new Grant(user.isEmpty() ? null : user, scopes, expires));
    } catch (IllegalArgumentException | IOException e) {
      return Optional.empty();
    }
  }

  private byte[] sign(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
