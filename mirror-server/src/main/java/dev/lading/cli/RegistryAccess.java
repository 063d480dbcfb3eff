package dev.lading.cli;

import dev.lading.registry.CredentialProvider;
import dev.lading.registry.DockerConfigCredentials;
import dev.lading.registry.ProxyConfig;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.StaticCredentials;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Option;

/** How commands reach registries: insecure hosts and credentials, for the registries they name. */
final class RegistryAccess {
  @Option(names = "--insecure",
      description = "Allow plain HTTP or unverified TLS for the registries named in this command"
          + " (loopback registries are always allowed).")
  boolean insecure;

  @Option(names = "--creds", paramLabel = "USER:PASSWORD",
      description = "Credentials for the registries named in this command"
          + " (default: ~/.docker/config.json and its credential helpers).")
  String creds;

  /**
   * A registry client that may reach {@code hosts}: {@code --insecure} and {@code --creds} apply to
   * them; other credentials from ~/.docker/config.json, proxies from the environment.
   */
  RegistryClient client(List<String> hosts, Progress progress) throws IOException {
    RegistryClient.Builder client = RegistryClient.builder();
    CredentialProvider credentials = DockerConfigCredentials.fromEnvironment();
    for (String host : hosts) {
      if (insecure) {
        client = client.allowInsecure(host);
      }
      if (creds != null) {
        int colon = creds.indexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException("--creds takes USER:PASSWORD");
        }
        credentials = CredentialProvider.chain(
            StaticCredentials.of(host, creds.substring(0, colon), creds.substring(colon + 1)), credentials);
      }
    }
    // Like curl and docker: HTTPS_PROXY/HTTP_PROXY/NO_PROXY, else the JVM's proxy properties.
    var proxies = ProxyConfig.fromEnvironment(System.getenv());
    if (proxies.isPresent()) {
      client = client.proxies(proxies.get());
    }
    return client.credentials(credentials).transferListener(progress).build();
  }
}
