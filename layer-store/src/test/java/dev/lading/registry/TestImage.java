package dev.lading.registry;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A small hand-built OCI image for registry tests: gzip layers of seeded random bytes, a config that
 * names their diff ids, and a manifest. Real tools (skopeo) accept it.
 */
record TestImage(List<byte[]> layers, byte[] config, byte[] manifest) {

  static TestImage create(long seed, int... uncompressedLayerSizes) {
    Random random = new Random(seed);
    List<byte[]> layers = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (int size : uncompressedLayerSizes) {
      byte[] raw = new byte[size];
      random.nextBytes(raw);
      diffIds.add(Digest.of(raw).toString());
      layers.add(gzip(raw));
    }
    Map<String, Object> rootfs = new LinkedHashMap<>();
    rootfs.put("type", "layers");
    rootfs.put("diff_ids", diffIds);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put("config", Map.of("Env", List.of("SEED=" + seed)));
    config.put("rootfs", rootfs);
    byte[] configBytes = Json.write(config);

    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.put("config", Descriptor.of(MediaTypes.OCI_CONFIG, Digest.of(configBytes), configBytes.length));
    manifest.put("layers", layers.stream()
        .map(l -> Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(l), l.length)).toList());
    return new TestImage(List.copyOf(layers), configBytes, Json.write(manifest));
  }

  Descriptor layerDescriptor(int i) {
    return Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(layers.get(i)), layers.get(i).length);
  }

  Descriptor configDescriptor() {
    return Descriptor.of(MediaTypes.OCI_CONFIG, Digest.of(config), config.length);
  }

  Digest manifestDigest() {
    return Digest.of(manifest);
  }

  /** Pushes blobs then the manifest under {@code tag}. */
  Digest push(RegistryClient client, String host, String repository, String tag) throws IOException {
    for (int i = 0; i < layers.size(); i++) {
      client.pushBlob(host, repository, layerDescriptor(i), BlobSource.of(layers.get(i)));
    }
    client.pushBlob(host, repository, configDescriptor(), BlobSource.of(config));
    return client.putManifest(host, repository, tag, manifest, MediaTypes.OCI_MANIFEST);
  }

  private static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
