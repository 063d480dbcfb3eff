package dev.lading.cli;

import dev.lading.model.Platform;
import dev.lading.registry.CredentialProvider;
import dev.lading.registry.DockerConfigCredentials;
import dev.lading.registry.ProxyConfig;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.StaticCredentials;
import dev.lading.store.Store;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.RegistryLocation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of commands that talk to registries: insecure hosts, credentials, platform, parallelism. */
final class TransferOptions {
  @Option(names = "--insecure",
      description = "Allow plain HTTP or unverified TLS for the registries named in this command"
          + " (loopback registries are always allowed).")
  boolean insecure;

  @Option(names = "--creds", paramLabel = "USER:PASSWORD",
      description = "Credentials for the registries named in this command"
          + " (default: ~/.docker/config.json and its credential helpers).")
  String creds;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "The platform to pick from a multi-platform image (default: this machine's).")
  String platform;

  @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
      description = "Blobs transferred at once (default ${DEFAULT-VALUE}).")
  int parallelism;

  Platform platformOrNull() {
    return platform == null ? null : Platform.parse(platform);
  }

  /** An image transfer over {@code store} that may reach the registries among {@code locations}. */
  ImageTransfer transfer(Store store, boolean quiet, List<ImageLocation> locations) throws IOException {
    if (parallelism < 1) {
      throw new IllegalArgumentException("--parallel must be at least 1");
    }
    List<String> hosts = new ArrayList<>();
    for (ImageLocation location : locations) {
      if (location instanceof RegistryLocation r) {
        hosts.add(r.reference().registry());
      }
    }
    Progress progress = new Progress(System.err, quiet);
    return ImageTransfer.builder()
        .store(store)
        .registryClient(client(insecure, creds, hosts, progress))
        .listener(progress)
        .parallelism(parallelism)
        .build();
  }

  /**
   * A registry client that may reach {@code hosts}: {@code insecure} and {@code creds} (USER:PASSWORD,
   * or null) apply to them; other credentials from ~/.docker/config.json, proxies from the environment.
   */
  static RegistryClient client(boolean insecure, String creds, List<String> hosts, Progress progress)
      throws IOException {
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
