package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds tiny but valid one-layer OCI images directly into a store, for tests. */
final class TestImages {
  private TestImages() {}

  /** A one-layer image whose only file {@code hello.txt} holds {@code text}; returns its manifest. */
  /** The digest of the (only) layer of an image that {@link #put} stored. */
  static Digest layer(Store store, Descriptor image) throws IOException {
    return Json.read(store.bytes(image.digest()), ImageManifest.class, "manifest").layers().get(0).digest();
  }

  static Descriptor put(Store store, String text) throws IOException {
    byte[] tar = tar("hello.txt", text.getBytes(StandardCharsets.UTF_8));
    byte[] layer = gzip(tar);
    Descriptor layerDesc = store.put(MediaTypes.OCI_LAYER_GZIP, layer);
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/hello\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.of(tar) + "\"]}}";
    Descriptor configDesc = store.put(MediaTypes.OCI_CONFIG, config.getBytes(StandardCharsets.UTF_8));
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
        + "\"config\":" + descriptorJson(configDesc) + ","
        + "\"layers\":[" + descriptorJson(layerDesc) + "]}";
    return store.put(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
  }

  static String descriptorJson(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":"
        + d.size() + "}";
  }

  static byte[] tar(String name, byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry entry = new TarArchiveEntry(name);
      entry.setSize(content.length);
      entry.setMode(0644);
      entry.setModTime(0);
      tar.putArchiveEntry(entry);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(data);
    }
    return bytes.toByteArray();
  }
}
