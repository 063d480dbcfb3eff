package dev.lading.transfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.digest.DigestingOutputStream;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.store.Store;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;

/**
 * Writes a tarball that {@code docker load} and {@code skopeo ... docker-archive:} read:
 * {@code manifest.json}, the config as {@code <hex>.json}, and each layer uncompressed as
 * {@code <diff_id hex>.tar} (checked against the config's diff_ids while written) or, when the
 * location asks for compressed layers, each gzip blob as it is in the store as {@code <digest hex>.tar.gz}.
 */
final class DockerArchiveDestination implements Destination {
  private static final int BUFFER = 64 * 1024;

  private final Store store;
  private final DockerArchiveLocation location;
  private final ImageReference tag;

  /**
   * @param fallbackTag the tag to record when the location names none (the source's name), or null
   */
  DockerArchiveDestination(Store store, DockerArchiveLocation location, ImageReference fallbackTag) {
    this.store = store;
    this.location = location;
    ImageReference named = location.ref() == null ? null : parseTag(location.ref());
    this.tag = named != null ? named : (fallbackTag != null && fallbackTag.tag() != null
        ? new ImageReference(fallbackTag.registry(), fallbackTag.repository(), fallbackTag.tag(), null)
        : null);
  }

  private ImageReference parseTag(String ref) {
    ImageReference r;
    try {
      r = ImageReference.parse(ref);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(location.text() + ": " + e.getMessage(), e);
    }
    if (r.digest() != null) {
      throw new IllegalArgumentException(location.text() + ": a docker-archive records tags, not"
          + " digests; write e.g. docker-archive:" + location.path() + ":" + r.name() + ":1");
    }
    return r;
  }

  @Override
  public BlobOutcome putBlob(Descriptor blob, Feed feed, LongConsumer progress) throws IOException {
    feed.ensureInStore(blob);
    return BlobOutcome.COPIED;
  }

  /** One image in {@code manifest.json}. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  @JsonPropertyOrder({"Config", "RepoTags", "Layers"})
  record Entry(@JsonProperty("Config") String config, @JsonProperty("RepoTags") List<String> repoTags,
      @JsonProperty("Layers") List<String> layers) {}

  @Override
  public void commit(ImageNode root) throws IOException {
    if (!(root.document() instanceof ImageManifest manifest)) {
      throw new IllegalArgumentException(location.text() + ": a docker-archive holds one image, not an"
          + " index; copy a single platform (leave out all-platforms)");
    }
    Digest configDigest = manifest.config().digest();
    byte[] configBytes = store.bytes(configDigest);
    ImageConfig config = Json.read(configBytes, ImageConfig.class, "image config " + configDigest);
    List<Digest> diffIds = config.diffIds();
    if (diffIds.size() != manifest.layers().size()) {
      throw new InvalidImageException("image config " + configDigest + " lists " + diffIds.size()
          + " diff_ids for " + manifest.layers().size() + " layers; the image is inconsistent");
    }
    Map<String, Archives.Content> files = new LinkedHashMap<>();
    files.put(configDigest.hex() + ".json", Archives.bytes(configBytes));
    List<String> layerNames = new ArrayList<>();
    for (int i = 0; i < manifest.layers().size(); i++) {
      Descriptor layer = manifest.layers().get(i);
      if (location.compressedLayers() && MediaTypes.isGzipLayer(layer.mediaType())) {
        // The blob as stored: no decompression, a third of the size for jars and classes.
        String name = layer.digest().hex() + ".tar.gz";
        layerNames.add(name);
        files.putIfAbsent(name, Archives.file(store.blobPath(layer.digest())));
        continue;
      }
      String name = diffIds.get(i).hex() + ".tar";
      layerNames.add(name);
      files.putIfAbsent(name, uncompressed(layer, diffIds.get(i), i + 1));
    }
    List<String> repoTags = tag == null ? List.of() : List.of(familiar(tag));
    byte[] manifestJson = Json.write(List.of(new Entry(configDigest.hex() + ".json", repoTags, layerNames)));
    files.put("manifest.json", Archives.bytes(manifestJson));
    Archives.writeTar(location.path(), files);
  }

  /** Docker's short form: {@code docker.io/library/debian:12} is {@code debian:12}. */
  static String familiar(ImageReference r) {
    String name = r.name();
    if (r.registry().equals(ImageReference.DOCKER_HUB)) {
      name = r.repository().startsWith("library/") && r.repository().indexOf('/', 8) < 0
          ? r.repository().substring(8) : r.repository();
    }
    return name + ":" + r.tag();
  }

  /** The layer's tar, decompressed while written; its size is found (and diff_id checked) first. */
  private Archives.Content uncompressed(Descriptor layer, Digest diffId, int number) {
    String type = layer.mediaType();
    boolean gzip = MediaTypes.isGzipLayer(type);
    if (!gzip && !MediaTypes.OCI_LAYER_TAR.equals(type)) {
      throw new InvalidImageException("layer " + number + " (" + layer.digest() + ") is " + type
          + "; a docker-archive can hold only gzip or uncompressed layers");
    }
    return new Archives.Content() {
      private long size = -1;

      @Override
      public long size() throws IOException {
        if (size < 0) {
          DigestingOutputStream counter = new DigestingOutputStream(OutputStream.nullOutputStream());
          copyTar(counter);
          if (!counter.digest().equals(diffId)) {
            throw new DigestMismatchException("layer " + number + " (" + layer.digest() + ") uncompressed,"
                + " against the config's diff_id", diffId, counter.digest());
          }
          size = counter.count();
        }
        return size;
      }

      @Override
      public void writeTo(OutputStream out) throws IOException {
        copyTar(out);
      }

      private void copyTar(OutputStream out) throws IOException {
        try (InputStream blob = new BufferedInputStream(store.open(layer.digest()), BUFFER);
            InputStream tar = gzip ? new GZIPInputStream(blob, BUFFER) : blob) {
          tar.transferTo(out);
        }
      }
    };
  }
}
