package dev.lading.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.digest.DigestingInputStream;
import dev.lading.io.NonClosingOutputStream;
import dev.lading.layer.LayerCompression;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.store.BlobWriter;
import dev.lading.store.Store;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;

/**
 * Reads a {@code docker save} tarball. It holds no manifest, so one is built: the config as is, each
 * layer gzip-compressed (uncompressed layers with a fixed gzip header, so the same archive always
 * gives the same digests), every layer checked against the config's diff_ids. Everything lands in the
 * store while opening.
 */
final class DockerArchiveSource implements ImageSource {
  private static final int BUFFER = 64 * 1024;

  private final Store store;
  private final String name;
  private final Set<Digest> imported = new HashSet<>();
  private final RawDocument root;

  DockerArchiveSource(Store store, DockerArchiveLocation location, ImageFormat format,
      TransferListener listener) throws IOException {
    this.store = store;
    this.name = location.text();
    try (ArchiveDirectory extracted = ArchiveDirectory.extract(store, location.path(), name)) {
      this.root = load(extracted.dir(), location.ref(), format == null ? ImageFormat.DOCKER : format,
          listener);
    }
  }

  private RawDocument load(Path dir, String ref, ImageFormat format, TransferListener listener)
      throws IOException {
    Path manifestFile = dir.resolve("manifest.json");
    if (!Files.isRegularFile(manifestFile)) {
      throw new InvalidImageException(name + ": the archive has no manifest.json, so it is not a"
          + " docker-archive (for a tar of an OCI layout use oci-archive:)");
    }
    JsonNode images = Json.read(Files.readAllBytes(manifestFile), JsonNode.class, "manifest.json of " + name);
    if (!images.isArray()) {
      throw new InvalidImageException(name + ": manifest.json is not a list of images");
    }
    JsonNode image = choose(images, ref);
    Path configFile = member(dir, text(image, "Config"));
    byte[] configBytes = Files.readAllBytes(configFile);
    ImageConfig config = Json.read(configBytes, ImageConfig.class, "image config in " + name);
    Descriptor configDesc = put(format.configType(), configBytes);
    JsonNode layerNames = image.get("Layers");
    if (layerNames == null || !layerNames.isArray()) {
      throw new InvalidImageException(name + ": the image in manifest.json has no Layers list");
    }
    List<Digest> diffIds = config.diffIds();
    if (diffIds.size() != layerNames.size()) {
      throw new InvalidImageException(name + ": manifest.json lists " + layerNames.size()
          + " layers but the config has " + diffIds.size() + " diff_ids; the archive is inconsistent");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < layerNames.size(); i++) {
      String layerName = layerNames.get(i).asText();
      listener.info("importing layer " + (i + 1) + "/" + layerNames.size() + " (" + layerName + ")");
      layers.add(importLayer(member(dir, layerName), diffIds.get(i), format));
    }
    ImageManifest manifest = ImageManifest.of(format, configDesc, layers);
    byte[] bytes = Json.write(manifest);
    Descriptor d = put(manifest.contentType(), bytes);
    return new RawDocument(d.mediaType(), d.digest(), bytes);
  }

  private JsonNode choose(JsonNode images, String ref) throws ImageNotFoundException {
    List<String> tags = new ArrayList<>();
    for (JsonNode image : images) {
      JsonNode repoTags = image.get("RepoTags");
      List<String> own = new ArrayList<>();
      if (repoTags != null && repoTags.isArray()) {
        repoTags.forEach(t -> own.add(t.asText()));
      }
      tags.add(own.isEmpty() ? "(untagged " + text(image, "Config") + ")" : String.join(" ", own));
      if (ref != null && own.stream().anyMatch(t -> sameReference(t, ref))) {
        return image;
      }
    }
    if (ref == null && images.size() == 1) {
      return images.get(0);
    }
    if (ref == null) {
      throw new ImageNotFoundException(name + " holds " + (images.isEmpty() ? "no images"
          : images.size() + " images: " + Listing.some(tags) + "; add :REF to choose one"));
    }
    throw new ImageNotFoundException(name + ": no image tagged " + ref + "; it holds " + Listing.some(tags));
  }

  /** Compares references the way Docker does, so {@code app:1} matches {@code docker.io/library/app:1}. */
  private static boolean sameReference(String a, String b) {
    try {
      return ImageReference.parse(a).equals(ImageReference.parse(b));
    } catch (IllegalArgumentException e) {
      return a.equals(b);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new InvalidImageException("manifest.json entry has no " + field);
    }
    return value.asText();
  }

  private Path member(Path dir, String path) throws IOException {
    Path file = dir.resolve(path).normalize();
    if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
      throw new InvalidImageException(name + ": manifest.json names " + path
          + ", which the archive does not contain");
    }
    return file;
  }

  private Descriptor put(String mediaType, byte[] bytes) throws IOException {
    Digest digest = Digest.of(bytes);
    if (!store.has(digest)) {
      imported.add(digest);
    }
    return store.put(mediaType, bytes);
  }

  private Descriptor importLayer(Path file, Digest diffId, ImageFormat format) throws IOException {
    byte[] magic = Archives.magic(file);
    if (LayerCompression.isZstd(magic)) {
      throw new InvalidImageException(name + ": layer " + file.getFileName() + " is zstd-compressed;"
          + " docker-archive layers must be plain or gzip tars");
    }
    if (LayerCompression.isGzip(magic)) {
      Digest actual;
      try (InputStream in = new DigestingInputStream(new GZIPInputStream(
          new BufferedInputStream(Files.newInputStream(file), BUFFER), BUFFER))) {
        actual = drain((DigestingInputStream) in);
      }
      check(file, diffId, actual);
      Descriptor d = Descriptor.of(format.gzipLayerType(), Digest.of(file), Files.size(file));
      if (!store.has(d.digest())) {
        imported.add(d.digest());
        store.importFile(file, d.mediaType());
      }
      return d;
    }
    try (BlobWriter writer = store.writer(null);
        DigestingInputStream tar = new DigestingInputStream(
            new BufferedInputStream(Files.newInputStream(file), BUFFER))) {
      try (OutputStream gzip = Archives.reproducibleGzip(new NonClosingOutputStream(writer))) {
        tar.transferTo(gzip);
      }
      check(file, diffId, tar.digest());
      long size = writer.position();
      // Compressed here, so counted as moved even when an earlier import made the same blob.
      Digest digest = writer.commit();
      imported.add(digest);
      return Descriptor.of(format.gzipLayerType(), digest, size);
    }
  }

  private static Digest drain(DigestingInputStream in) throws IOException {
    byte[] buffer = new byte[BUFFER];
    while (in.read(buffer) != -1) {
      // hashing only
    }
    return in.digest();
  }

  private void check(Path file, Digest diffId, Digest actual) throws DigestMismatchException {
    if (!diffId.equals(actual)) {
      throw new DigestMismatchException(name + ": layer " + file.getFileName() + " (its config diff_id)",
          diffId, actual);
    }
  }

  @Override
  public RawDocument root() {
    return root;
  }

  @Override
  public byte[] manifest(Descriptor d) throws IOException {
    return store.bytes(d.digest());
  }

  @Override
  public byte[] smallBlob(Descriptor d) throws IOException {
    return ImageSource.verified(store.bytes(d.digest()), d, name);
  }

  @Override
  public boolean fetchInto(Store target, Descriptor d, LongConsumer progress) throws IOException {
    if (!target.has(d.digest())) {
      throw new IllegalStateException(d.digest() + " of " + name + " should have been imported");
    }
    return imported.contains(d.digest());
  }

}
