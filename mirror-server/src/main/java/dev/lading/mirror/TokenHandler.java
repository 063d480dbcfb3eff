package dev.lading.mirror;

import dev.lading.model.Json;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /_lading/token}: the token endpoint of the registry token protocol. {@code GET} with Basic
 * credentials (docker, skopeo) or none (anonymous reads), {@code POST} of an OAuth2 password grant
 * (containerd); answers a signed short-lived token granting the part of the asked scopes the caller
 * may have.
 */
final class TokenHandler {
  private static final int MAX_FORM_BYTES = 64 * 1024;

  private final ClientAuth auth;

  TokenHandler(ClientAuth auth) {
    this.auth = auth;
  }

  void handle(HttpServerExchange ex) throws ApiException, IOException {
    if (!auth.enabled()) {
      throw ErrorCode.NAME_UNKNOWN.with("the mirror has no users (--htpasswd): no token needed");
    }
    String user;
    List<String> scopes = new ArrayList<>();
    if (ex.getRequestMethod().equals(Methods.POST)) {
      Map<String, List<String>> form = form(ex);
      if (!"password".equals(first(form, "grant_type"))) {
        throw ErrorCode.UNSUPPORTED.with(400, "only grant_type=password is supported");
      }
      user = auth.checked(ex, String.valueOf(first(form, "username")),
          String.valueOf(first(form, "password")));
      form.getOrDefault("scope", List.of()).forEach(s -> scopes.addAll(List.of(s.split(" "))));
    } else if (Http.isRead(ex)) {
      user = auth.basicUser(ex);
      Deque<String> asked = ex.getQueryParameters().get("scope");
      if (asked != null) {
        asked.forEach(s -> scopes.addAll(List.of(s.split(" "))));
      }
    } else {
      throw ErrorCode.UNSUPPORTED.with("the token endpoint takes GET or POST");
    }
    if (user == null && !auth.anonymousReads()) {
      ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE,
          "Basic realm=\"" + ClientAuth.SERVICE + "\"");
      throw ErrorCode.UNAUTHORIZED.with("reads need a user too (--auth-reads)");
    }
    List<Scope> requested = new ArrayList<>();
    for (String s : scopes) {
      Scope scope = s.isEmpty() ? null : Scope.parse(s);
      if (scope != null) {
        requested.add(scope);
      }
    }
    Instant now = Instant.now();
    String token = auth.tokens().issue(user, auth.grant(user, requested), now);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", token);
    body.put("access_token", token);
    body.put("expires_in", auth.tokens().lifetime().toSeconds());
    body.put("issued_at", now.toString());
    Http.json(ex, "application/json", body);
  }

  private static String first(Map<String, List<String>> form, String name) {
    List<String> values = form.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** An application/x-www-form-urlencoded body, bounded. */
  private static Map<String, List<String>> form(HttpServerExchange ex)
      throws IOException, ApiException {
    InputStream in = ex.getInputStream();
    byte[] bytes = in.readNBytes(MAX_FORM_BYTES + 1);
    if (bytes.length > MAX_FORM_BYTES) {
      throw ErrorCode.SIZE_INVALID.with(413, "the token request is larger than 64 KiB");
    }
    Map<String, List<String>> form = new HashMap<>();
    try {
      for (String pair : new String(bytes, StandardCharsets.UTF_8).split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          form.computeIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              k -> new ArrayList<>()).add(URLDecoder.decode(pair.substring(eq + 1),
              StandardCharsets.UTF_8));
        }
      }
    } catch (IllegalArgumentException e) {
      throw ErrorCode.UNSUPPORTED.with(400, "malformed form body: " + Http.printable(e.getMessage()));
    }
    return form;
  }
}
