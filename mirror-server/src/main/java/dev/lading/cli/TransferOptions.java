package dev.lading.cli;

import dev.lading.model.Platform;
import dev.lading.store.Store;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.RegistryLocation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of commands that copy images: registry access, platform, parallelism. */
final class TransferOptions {
  @Mixin RegistryAccess registries;

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
        .registryClient(registries.client(hosts, progress))
        .listener(progress)
        .parallelism(parallelism)
        .build();
  }

}
