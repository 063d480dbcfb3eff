package dev.lading.store.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.store.Store;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The blobs one image needs, found by walking a store from its manifest or index (configs, layers,
 * child manifests, subjects), split into those the store holds and those it lacks.
 *
 * @param present blobs in the store, by digest, with the size the store has
 * @param absent blobs the store lacks (lazy base layers, or damage), by digest
 */
record ImageBlobs(Map<Digest, Long> present, Map<Digest, Descriptor> absent) {
  /** Fields of manifests and indexes that hold descriptors of further blobs. */
  private static final List<String> SINGLE = List.of("config", "subject");
  private static final List<String> LISTS = List.of("layers", "manifests", "blobs");

  /**
   * Walks {@code root} in {@code store}.
   *
   * @throws IOException when a manifest in the store cannot be read or parsed
   */
  static ImageBlobs walk(Store store, Descriptor root) throws IOException {
    Map<Digest, Long> present = new TreeMap<>();
    Map<Digest, Descriptor> absent = new TreeMap<>();
    Deque<Descriptor> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Descriptor d = todo.pop();
      if (present.containsKey(d.digest()) || absent.containsKey(d.digest())) {
        continue;
      }
      if (!store.has(d.digest())) {
        absent.put(d.digest(), d);
        continue;
      }
      present.put(d.digest(), store.size(d.digest()));
      if (MediaTypes.isIndex(d.mediaType()) || MediaTypes.isImageManifest(d.mediaType())) {
        children(store.bytes(d.digest()), d, todo);
      }
    }
    return new ImageBlobs(present, absent);
  }

  private static void children(byte[] manifest, Descriptor of, Deque<Descriptor> todo)
      throws IOException {
    JsonNode json = Json.mapper().readTree(manifest);
    if (json == null || !json.isObject()) {
      throw new IOException("the manifest " + of.digest() + " in the store is not a JSON object;"
          + " run lading store fsck");
    }
    for (String field : SINGLE) {
      JsonNode d = json.get(field);
      if (d != null && d.isObject()) {
        todo.push(descriptor(d, of));
      }
    }
    for (String field : LISTS) {
      JsonNode list = json.get(field);
      if (list != null && list.isArray()) {
        for (JsonNode d : list) {
          todo.push(descriptor(d, of));
        }
      }
    }
  }

  private static Descriptor descriptor(JsonNode d, Descriptor of) throws IOException {
    JsonNode digest = d.get("digest");
    if (digest == null || !digest.isTextual()) {
      throw new IOException("the manifest " + of.digest() + " has a descriptor without a digest");
    }
    JsonNode mediaType = d.get("mediaType");
    JsonNode size = d.get("size");
    String type = mediaType == null || mediaType.asText().isEmpty() ? "application/octet-stream"
        : mediaType.asText();
    try {
      return Descriptor.of(type, Digest.parse(digest.asText()),
          size != null && size.canConvertToLong() ? Math.max(0, size.asLong()) : 0);
    } catch (IllegalArgumentException e) {
      throw new IOException("the manifest " + of.digest() + " has a bad descriptor: " + e.getMessage(), e);
    }
  }
}
