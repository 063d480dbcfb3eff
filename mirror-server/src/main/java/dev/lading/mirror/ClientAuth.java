package dev.lading.mirror;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may do what on the mirror. Without users every request is served anonymously. With an
 * htpasswd file: reads are anonymous unless {@code authReads}, pushes and deletes need a user (and,
 * with a push-user list, one on it). Credentials come as Basic, or as a bearer token from
 * {@link TokenHandler}; refusals are 401 {@code UNAUTHORIZED} with a challenge clients follow, or
 * 403 {@code DENIED} for a known user who may not do it.
 */
public final class ClientAuth {
  /** Which challenge a 401 carries; both kinds of credentials are accepted either way. */
  public enum Challenge { BASIC, BEARER }

  static final String TOKEN_PATH = "/_lading/token";
  static final String SERVICE = "lading";
  /** The authenticated user of a request, for the request log; absent when anonymous. */
  static final AttachmentKey<String> USER = AttachmentKey.create(String.class);

  private static final String PULL = "pull";
  private static final String PUSH = "push";

  private final Htpasswd users;
  private final boolean authReads;
  private final Set<String> pushUsers;
  private final Challenge challenge;
  private final TokenIssuer tokens;

  private ClientAuth(Htpasswd users, boolean authReads, Set<String> pushUsers, Challenge challenge) {
    this.users = users;
    this.authReads = authReads;
    this.pushUsers = Set.copyOf(pushUsers);
    this.challenge = challenge;
    this.tokens = new TokenIssuer(Duration.ofMinutes(5));
  }

  /** No authentication: every client may read and push. */
  public static ClientAuth none() {
    return new ClientAuth(null, false, Set.of(), Challenge.BASIC);
  }

  /**
   * Users from {@code users}; {@code pushUsers} empty means every user may push; an unknown name in
   * it is an error (a typo would otherwise lock the user out silently).
   */
  public static ClientAuth of(Htpasswd users, boolean authReads, Set<String> pushUsers,
      Challenge challenge) {
    for (String u : pushUsers) {
      if (!users.users().contains(u)) {
        throw new IllegalArgumentException("push user '" + u + "' is not in the htpasswd file");
      }
    }
    return new ClientAuth(users, authReads, pushUsers, challenge);
  }

  /** True when clients must authenticate for anything. */
  public boolean enabled() {
    return users != null;
  }

  /** What a request presented: a user (null: none), the token's grant when it was a token. */
  record Caller(String user, TokenIssuer.Grant grant, boolean presented) {}

  /** Lets the request through, or throws 401/403 with the challenge header already set. */
  void authorize(HttpServerExchange ex, Route route) throws ApiException {
    if (users == null || ex.getRequestPath().equals(TOKEN_PATH)) {
      return;
    }
    Caller caller = identify(ex, scopeOf(ex, route));
    boolean read = route.kind() == Route.Kind.CATALOG || route.kind() == Route.Kind.NONE
        || route.kind() == Route.Kind.BASE || (Http.isRead(ex) && route.kind() != Route.Kind.UPLOAD
        && route.kind() != Route.Kind.UPLOADS);
    if (route.kind() == Route.Kind.BASE && !caller.presented()) {
      // Clients learn the challenge from GET /v2/: answer it with one even when reads are open.
      throw unauthorized(ex, null, null, "authentication required");
    }
    if (read && !authReads) {
      return;
    }
    Scope need = scopeOf(ex, route);
    String action = read ? PULL : PUSH;
    boolean allowed;
    if (need == null) {
      allowed = caller.user() != null; // the root and the mirror's pages, with --auth-reads
    } else if (caller.grant() != null) {
      allowed = caller.grant().allows(need.type(), need.name(), need.type().equals("registry")
          ? "*" : action);
    } else {
      allowed = permitted(caller.user(), action);
    }
    if (allowed) {
      return;
    }
    if (caller.user() != null && !permitted(caller.user(), action)) {
      throw ErrorCode.DENIED.with("user '" + caller.user() + "' may not " + action
          + (need == null ? "" : " " + need.name()));
    }
    throw unauthorized(ex, need, caller.grant() == null ? null : "insufficient_scope",
        "authentication required to " + action + (need == null ? "" : " " + need.name()));
  }

  /** The credentials of a request; 401 when they are presented but wrong. */
  private Caller identify(HttpServerExchange ex, Scope scope) throws ApiException {
    String header = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (header == null) {
      return new Caller(null, null, false);
    }
    if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      TokenIssuer.Grant grant = tokens.verify(header.substring(7).trim(), Instant.now())
          .orElseThrow(() -> unauthorized(ex, scope, "invalid_token", "invalid or expired token"));
      remember(ex, grant.user());
      return new Caller(grant.user(), grant, true);
    }
    String[] basic = basic(header);
    if (basic == null) {
      throw unauthorized(ex, scope, null, "unsupported Authorization scheme");
    }
    if (basic[0].isEmpty() && basic[1].isEmpty()) {
      return new Caller(null, null, true); // skopeo's "no credentials" under a Basic challenge
    }
    if (!users.check(basic[0], basic[1])) {
      throw unauthorized(ex, scope, null, "wrong user name or password");
    }
    remember(ex, basic[0]);
    return new Caller(basic[0], null, true);
  }

  /** Checks Basic credentials for the token endpoint: the user, null when none were sent. */
  String basicUser(HttpServerExchange ex) throws ApiException {
    String header = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    String[] basic = header == null ? null : basic(header);
    if (basic == null || basic[0].isEmpty() && basic[1].isEmpty()) {
      return null;
    }
    return checked(ex, basic[0], basic[1]);
  }

  /** {@code user} when the password is right, else 401 with a Basic challenge. */
  String checked(HttpServerExchange ex, String user, String password) throws ApiException {
    if (!users.check(user, password)) {
      ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Basic realm=\"" + SERVICE + "\"");
      throw ErrorCode.UNAUTHORIZED.with("wrong user name or password");
    }
    remember(ex, user);
    return user;
  }

  /** The part of the requested scopes {@code user} (null: anonymous) is allowed. */
  List<Scope> grant(String user, List<Scope> requested) {
    List<Scope> granted = new ArrayList<>();
    for (Scope s : requested) {
      Set<String> actions = new LinkedHashSet<>();
      if (s.type().equals("registry") && s.name().equals("catalog") && permitted(user, PULL)) {
        actions.add("*");
      } else if (s.type().equals("repository")) {
        for (String a : s.actions()) {
          String needed = a.equals(PULL) ? PULL : PUSH; // push, delete and * all write
          if (permitted(user, needed)) {
            actions.add(a);
          }
        }
      }
      if (!actions.isEmpty()) {
        granted.add(new Scope(s.type(), s.name(), actions));
      }
    }
    return granted;
  }

  TokenIssuer tokens() {
    return tokens;
  }

  /** Whether anonymous callers may have a token at all. */
  boolean anonymousReads() {
    return !authReads;
  }

  private boolean permitted(String user, String action) {
    if (user == null) {
      return action.equals(PULL) && !authReads;
    }
    return action.equals(PULL) || pushUsers.isEmpty() || pushUsers.contains(user);
  }

  /** The scope a request needs, null for the API root and the mirror's own pages. */
  private static Scope scopeOf(HttpServerExchange ex, Route route) {
    return switch (route.kind()) {
      case BASE, NONE -> null;
      case CATALOG -> Scope.catalog();
      case UPLOADS, UPLOAD -> Scope.repository(route.name(), PULL, PUSH);
      default -> Http.isRead(ex) ? Scope.repository(route.name(), PULL)
          : Scope.repository(route.name(), PULL, PUSH);
    };
  }

  private ApiException unauthorized(HttpServerExchange ex, Scope scope, String error,
      String detail) {
    String value;
    if (challenge == Challenge.BASIC) {
      value = "Basic realm=\"" + SERVICE + "\"";
    } else {
      value = "Bearer realm=\"" + ex.getRequestScheme() + "://" + ex.getHostAndPort() + TOKEN_PATH
          + "\",service=\"" + SERVICE + "\"" + (scope == null ? "" : ",scope=\"" + scope + "\"")
          + (error == null ? "" : ",error=\"" + error + "\"");
    }
    ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, value);
    return ErrorCode.UNAUTHORIZED.with(detail);
  }

  private static void remember(HttpServerExchange ex, String user) {
    if (user != null) {
      ex.putAttachment(USER, user);
    }
  }

  /** {user, password} of a Basic header, or null when it is not one. */
  private static String[] basic(String header) {
    if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String pair = new String(Base64.getDecoder().decode(header.substring(6).trim()),
          StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      return colon < 0 ? null : new String[] {pair.substring(0, colon), pair.substring(colon + 1)};
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
