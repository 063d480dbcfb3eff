package dev.lading.mirror;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One access scope of the registry token protocol: {@code repository:team/app:pull,push} or
 * {@code registry:catalog:*}. The repository name may itself hold ':' only in a host:port prefix,
 * so the actions are what follows the last ':'.
 */
record Scope(String type, String name, Set<String> actions) {
  /** Keeps the actions in the order given: they are echoed in challenges and tokens. */
  Scope {
    actions = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(actions));
  }

  /** The scope of a catalog listing. */
  static Scope catalog() {
    return new Scope("registry", "catalog", Set.of("*"));
  }

  /** {@code repository:NAME:ACTIONS}. */
  static Scope repository(String name, String... actions) {
    return new Scope("repository", name, new LinkedHashSet<>(List.of(actions)));
  }

  /** Parses {@code TYPE:NAME:ACTION[,ACTION]}, or null when it is not of that form. */
  static Scope parse(String text) {
    int first = text.indexOf(':');
    int last = text.lastIndexOf(':');
    if (first <= 0 || last <= first + 1) {
      return null;
    }
    Set<String> actions = new LinkedHashSet<>(List.of(text.substring(last + 1).split(",")));
    actions.remove("");
    return new Scope(text.substring(0, first), text.substring(first + 1, last), actions);
  }

  /** True when this scope allows {@code action} ("pull", "push") on {@code type:name}. */
  boolean allows(String type, String name, String action) {
    return this.type.equals(type) && this.name.equals(name)
        && (actions.contains(action) || actions.contains("*"));
  }

  @Override
  public String toString() {
    return type + ":" + name + ":" + String.join(",", actions);
  }
}
