package dev.lading.registry;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** Credentials given explicitly (plugin settings, CLI flags, environment), per registry host. */
public final class StaticCredentials implements CredentialProvider {
  private final Map<String, Credential> byHost;

  private StaticCredentials(Map<String, Credential> byHost) {
    this.byHost = Map.copyOf(byHost);
  }

  /** User and password for one host. */
  public static StaticCredentials of(String registryHost, String username, String password) {
    return new StaticCredentials(Map.of(RegistryHosts.credentialKey(registryHost),
        new Credential(username, password)));
  }

  /** A copy that also holds credentials for another host. */
  public StaticCredentials and(String registryHost, String username, String password) {
    Map<String, Credential> copy = new TreeMap<>(byHost);
    copy.put(RegistryHosts.credentialKey(registryHost), new Credential(username, password));
    return new StaticCredentials(copy);
  }

  @Override
  public Optional<Credential> credentialsFor(String registryHost) {
    Objects.requireNonNull(registryHost, "registryHost");
    return Optional.ofNullable(byHost.get(RegistryHosts.credentialKey(registryHost)));
  }

  @Override
  public String toString() {
    return "StaticCredentials" + byHost.keySet();
  }
}
