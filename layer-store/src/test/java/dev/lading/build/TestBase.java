package dev.lading.build;

import dev.lading.digest.Digest;
import dev.lading.layer.LayerEntry;
import dev.lading.layer.LayerResult;
import dev.lading.layer.ReproducibleLayer;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageConfig.History;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.Platform;
import dev.lading.registry.BlobSource;
import dev.lading.registry.RegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A small base image (two real tar layers, an env, a cmd) pushed to a registry for build tests. */
record TestBase(List<Descriptor> layers, ImageConfig config, Digest manifestDigest) {

  static TestBase push(RegistryClient client, String host, String repository, String tag, Platform platform)
      throws IOException {
    ImageConfig config = ImageConfig.scratch(platform).withConfig(ImageConfig.RunConfig.EMPTY
        .withEnv(List.of("PATH=/usr/bin:/bin", "BASE=1")).withCmd(List.of("/bin/sh"))
        .withLabels(java.util.Map.of("base.label", "yes")).withExposedPorts(java.util.Set.of("22/tcp")));
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      ReproducibleLayer layer = ReproducibleLayer.builder()
          .add(LayerEntry.file("/etc/base-" + i + ".txt",
              ("base layer " + i + " " + platform + "\n").getBytes(StandardCharsets.UTF_8)))
          .build();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      LayerResult r = layer.writeTo(out);
      Descriptor d = r.descriptor(ImageFormat.OCI);
      client.pushBlob(host, repository, d, BlobSource.of(out.toByteArray()));
      layers.add(d);
      config = config.withLayer(r.diffId(), History.layer(Instant.EPOCH, "base " + i, null));
    }
    byte[] configBytes = Json.write(config);
    Descriptor configDescriptor = Descriptor.of(ImageFormat.OCI.configType(), Digest.of(configBytes),
        configBytes.length);
    client.pushBlob(host, repository, configDescriptor, BlobSource.of(configBytes));
    byte[] manifest = Json.write(ImageManifest.of(ImageFormat.OCI, configDescriptor, layers));
    Digest digest = client.putManifest(host, repository, tag, manifest, ImageFormat.OCI.manifestType());
    return new TestBase(layers, config, digest);
  }

  /** Pushes one base per platform and an OCI index of them under {@code tag}. */
  static List<TestBase> pushIndex(RegistryClient client, String host, String repository, String tag,
      List<Platform> platforms) throws IOException {
    List<TestBase> bases = new ArrayList<>();
    List<Descriptor> entries = new ArrayList<>();
    for (Platform p : platforms) {
      TestBase base = push(client, host, repository, "single-" + p.architecture(), p);
      bases.add(base);
      byte[] bytes = client.getManifest(host, repository, base.manifestDigest().toString()).bytes();
      entries.add(Descriptor.of(ImageFormat.OCI.manifestType(), base.manifestDigest(), bytes.length)
          .withPlatform(p));
    }
    byte[] index = Json.write(ImageIndex.of(ImageFormat.OCI, entries));
    client.putManifest(host, repository, tag, index, ImageFormat.OCI.indexType());
    return bases;
  }
}
