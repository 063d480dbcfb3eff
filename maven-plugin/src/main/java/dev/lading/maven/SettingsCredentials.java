package dev.lading.maven;

import dev.lading.registry.Credential;
import dev.lading.registry.CredentialProvider;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

/**
 * Credentials from Maven's {@code settings.xml}: the {@code <server>} whose id is the registry host
 * ({@code ghcr.io}, {@code 127.0.0.1:5000}), with its password decrypted as Maven does.
 */
final class SettingsCredentials implements CredentialProvider {
  private final List<Server> servers;
  private final SettingsDecrypter decrypter;

  SettingsCredentials(List<Server> servers, SettingsDecrypter decrypter) {
    this.servers = List.copyOf(servers);
    this.decrypter = decrypter;
  }

  @Override
  public Optional<Credential> credentialsFor(String registryHost) throws IOException {
    for (Server server : servers) {
      if (!matches(server.getId(), registryHost)) {
        continue;
      }
      Server clear = server;
      if (decrypter != null) {
        SettingsDecryptionResult result = decrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
        for (SettingsProblem p : result.getProblems()) {
          if (p.getSeverity() != SettingsProblem.Severity.WARNING) {
            throw new IOException("cannot decrypt the password of server '" + server.getId()
                + "' in settings.xml: " + p.getMessage());
          }
        }
        clear = result.getServer();
      }
      if (clear.getUsername() != null && clear.getPassword() != null) {
        return Optional.of(new Credential(clear.getUsername(), clear.getPassword()));
      }
    }
    return Optional.empty();
  }

  private static boolean matches(String id, String host) {
    if (id == null) {
      return false;
    }
    if (id.equalsIgnoreCase(host)) {
      return true;
    }
    // Docker Hub goes by several names.
    List<String> hub = List.of("docker.io", "index.docker.io", "registry-1.docker.io");
    return hub.contains(id.toLowerCase(java.util.Locale.ROOT)) && hub.contains(host.toLowerCase(java.util.Locale.ROOT));
  }
}
