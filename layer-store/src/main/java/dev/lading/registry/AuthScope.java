package dev.lading.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The token scopes one operation needs ({@code repository:<name>:<actions>}). Tokens are cached per
 * host and scope set, so scopes are kept sorted and de-duplicated.
 */
record AuthScope(List<String> scopes) {
  AuthScope {
    scopes = List.copyOf(new TreeSet<>(scopes));
  }

  static AuthScope pull(String repository) {
    return new AuthScope(List.of("repository:" + repository + ":pull"));
  }

  static AuthScope push(String repository) {
    return new AuthScope(List.of("repository:" + repository + ":pull,push"));
  }

  static AuthScope delete(String repository) {
    return new AuthScope(List.of("repository:" + repository + ":delete"));
  }

  /** This scope plus another, e.g. pull on the source repository of a mount. */
  AuthScope plus(String scope) {
    if (scope == null || scope.isBlank() || scopes.contains(scope)) {
      return this;
    }
    List<String> all = new ArrayList<>(scopes);
    all.add(scope);
    return new AuthScope(all);
  }

  /** The cache key. */
  String key() {
    return String.join(" ", scopes);
  }
}
