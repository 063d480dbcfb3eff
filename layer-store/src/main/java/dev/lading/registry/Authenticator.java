package dev.lading.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Turns a registry's {@code WWW-Authenticate} challenges into {@code Authorization} headers: Basic
 * straight from the credentials, Bearer via the token server named in the challenge. Remembers each
 * host's challenge (so later requests authenticate up front instead of collecting a 401 first) and
 * caches tokens per host and scope until they expire. Thread-safe.
 */
final class Authenticator {
  /** What the distribution token spec says to assume when a token server gives no lifetime. */
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  /** Renew a little early, so a token does not expire between our check and the registry's. */
  private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(10);

  /** Sends a token request with the transport's retries; the caller closes the response. */
  interface TokenCall {
    Response send(Request request, String host, String what) throws IOException;
  }

  private record CachedToken(String authorization, long expiresAtNanos) {
    boolean valid() {
      return System.nanoTime() - expiresAtNanos < 0;
    }
  }

  private final CredentialProvider credentials;
  private final TokenCall tokenCall;
  private final ConcurrentHashMap<String, AuthChallenge> challenges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Optional<Credential>> credentialCache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CachedToken> tokens = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Object> tokenLocks = new ConcurrentHashMap<>();

  Authenticator(CredentialProvider credentials, TokenCall tokenCall) {
    this.credentials = credentials;
    this.tokenCall = tokenCall;
  }

  /** Records the challenge a host answered with (from the API ping or any 401). */
  void learn(String host, List<String> wwwAuthenticate) {
    choose(wwwAuthenticate).ifPresent(c -> challenges.put(host, c));
  }

  /** The header to send up front, or null while the host has not asked for authentication. */
  String authorization(String host, AuthScope scope) throws IOException {
    AuthChallenge challenge = challenges.get(host);
    if (challenge == null) {
      return null;
    }
    return challenge.isBearer() ? bearer(host, challenge, scope, false) : basic(host);
  }

  /**
   * After a 401: learns the new challenge and returns the header to retry with, or null when a retry
   * cannot help (no credentials, or we would send the same thing that was just refused).
   */
  String onUnauthorized(String host, AuthScope scope, List<String> wwwAuthenticate, String sent)
      throws IOException {
    Optional<AuthChallenge> chosen = choose(wwwAuthenticate);
    if (chosen.isEmpty()) {
      return null;
    }
    AuthChallenge challenge = chosen.get();
    challenges.put(host, challenge);
    String header;
    if (challenge.isBearer()) {
      // The registry may ask for more than we thought we needed (e.g. insufficient_scope).
      AuthScope wanted = scope;
      String asked = challenge.param("scope");
      if (asked != null) {
        for (String s : asked.split(" ")) {
          wanted = wanted.plus(s);
        }
      }
      header = bearer(host, challenge, wanted, true);
    } else {
      header = basic(host);
    }
    return header == null || header.equals(sent) ? null : header;
  }

  private Optional<AuthChallenge> choose(List<String> headers) {
    List<AuthChallenge> all = headers.stream().flatMap(h -> AuthChallenge.parse(h).stream()).toList();
    return all.stream().filter(AuthChallenge::isBearer).findFirst()
        .or(() -> all.stream().filter(AuthChallenge::isBasic).findFirst());
  }

  private Optional<Credential> credentials(String host) throws IOException {
    Optional<Credential> cached = credentialCache.get(host);
    if (cached != null) {
      return cached;
    }
    Optional<Credential> found = credentials.credentialsFor(RegistryHosts.credentialKey(host));
    credentialCache.putIfAbsent(host, found);
    return found;
  }

  private String basic(String host) throws IOException {
    return credentials(host).map(Authenticator::basicHeader).orElse(null);
  }

  private static String basicHeader(Credential c) {
    return "Basic " + Base64.getEncoder().encodeToString(
        (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
  }

  private String bearer(String host, AuthChallenge challenge, AuthScope scope, boolean refresh)
      throws IOException {
    String key = host + "|" + challenge.param("realm") + "|" + challenge.param("service") + "|" + scope.key();
    // One fetch per key at a time: parallel blob transfers would otherwise all ask for the same token.
    synchronized (tokenLocks.computeIfAbsent(key, k -> new Object())) {
      CachedToken cached = tokens.get(key);
      if (refresh && cached != null) {
        tokens.remove(key, cached);
        cached = null;
      }
      if (cached != null && cached.valid()) {
        return cached.authorization();
      }
      CachedToken fresh = fetchToken(host, challenge, scope);
      tokens.put(key, fresh);
      return fresh.authorization();
    }
  }

  private CachedToken fetchToken(String host, AuthChallenge challenge, AuthScope scope) throws IOException {
    String realmText = challenge.param("realm");
    HttpUrl realm = realmText == null ? null : HttpUrl.parse(realmText);
    if (realm == null) {
      throw new RegistryException(host + " asked for a token but named no usable token server (realm '"
          + realmText + "')", "the registry's auth configuration is broken; contact its operator", null);
    }
    HttpUrl.Builder url = realm.newBuilder();
    if (challenge.param("service") != null) {
      url.addQueryParameter("service", challenge.param("service"));
    }
    for (String s : scope.scopes()) {
      url.addQueryParameter("scope", s);
    }
    Optional<Credential> credential = credentials(host);
    Request.Builder request = new Request.Builder().url(url.build()).get();
    credential.ifPresent(c -> request.header("Authorization", basicHeader(c)));
    String what = "token request to " + realm.host() + " for " + String.join(" ", scope.scopes());
    try (Response response = tokenCall.send(request.build(), host, what)) {
      byte[] body = response.body() == null ? new byte[0] : response.body().bytes();
      if (!response.isSuccessful()) {
        String who = credential.map(c -> "the credentials of " + c.username()).orElse("anonymous access");
        throw RegistryException.of(what + " (" + who + ")", RegistryHosts.displayName(host),
            response.code(), body, null);
      }
      JsonNode json = Json.mapper().readTree(body);
      String token = json == null ? null : textOrNull(json, "token");
      if (token == null) {
        token = json == null ? null : textOrNull(json, "access_token");
      }
      if (token == null || token.isBlank()) {
        throw new RegistryException(what + " answered without a token", "the token server is"
            + " misconfigured or is not a registry token server", null);
      }
      Duration lifetime = json.hasNonNull("expires_in") && json.get("expires_in").asLong() > 0
          ? Duration.ofSeconds(json.get("expires_in").asLong())
          : DEFAULT_TOKEN_LIFETIME;
      Duration margin = lifetime.compareTo(EXPIRY_MARGIN.multipliedBy(2)) > 0 ? EXPIRY_MARGIN : lifetime.dividedBy(2);
      return new CachedToken("Bearer " + token, System.nanoTime() + lifetime.minus(margin).toNanos());
    }
  }

  private static String textOrNull(JsonNode json, String field) {
    JsonNode n = json.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }
}
