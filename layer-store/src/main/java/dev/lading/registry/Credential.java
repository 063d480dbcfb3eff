package dev.lading.registry;

import java.util.Objects;

/** A user name and secret (password or token) for one registry; {@link #toString()} hides the secret. */
public record Credential(String username, String secret) {
  public Credential {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(secret, "secret");
  }

  @Override
  public String toString() {
    return "Credential[username=" + username + ", secret=***]";
  }
}
