package dev.lading.registry;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Finds the credentials to use for a registry host; empty means "go anonymous". Implementations must
 * be thread-safe: the client asks from several threads, once per host (it caches the answer).
 */
@FunctionalInterface
public interface CredentialProvider {
  /**
   * The credentials for {@code registryHost} (as the client addresses it, e.g. {@code ghcr.io},
   * {@code 127.0.0.1:5000}, {@code docker.io}), or empty for anonymous access.
   *
   * @throws IOException when a configured source of credentials is broken (unreadable config, failing
   *     credential helper): silently going anonymous would turn that into a confusing 401 later
   */
  Optional<Credential> credentialsFor(String registryHost) throws IOException;

  /** No credentials for any host. */
  static CredentialProvider anonymous() {
    return host -> Optional.empty();
  }

  /** {@code provider}, asked only about {@code registryHost} (Docker Hub by any of its names). */
  static CredentialProvider onlyFor(String registryHost, CredentialProvider provider) {
    String key = RegistryHosts.credentialKey(registryHost);
    return host -> RegistryHosts.credentialKey(host).equals(key) ? provider.credentialsFor(host) : Optional.empty();
  }

  /** Asks each provider in turn and uses the first that has credentials for the host. */
  static CredentialProvider chain(CredentialProvider... providers) {
    List<CredentialProvider> list = List.of(providers);
    return host -> {
      for (CredentialProvider p : list) {
        Optional<Credential> c = p.credentialsFor(host);
        if (c.isPresent()) {
          return c;
        }
      }
      return Optional.empty();
    };
  }
}
