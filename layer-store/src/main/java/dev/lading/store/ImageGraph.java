package dev.lading.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/** Walks from a manifest or index to every blob it needs (what gc keeps and fsck checks). */
final class ImageGraph {
  private ImageGraph() {}

  /** Fields of manifests and indexes that hold descriptors of further blobs. */
  private static final List<String> SINGLE = List.of("config", "subject");
  private static final List<String> LISTS = List.of("layers", "manifests", "blobs");

  /** Something wrong with a blob a ref needs. */
  record Problem(Digest digest, String mediaType, String reason) {
    static final String MISSING = "missing";

    /** True when the blob is not in the store at all (rather than damaged). */
    boolean absent() {
      return reason.equals(MISSING);
    }

    boolean isManifest() {
      return MediaTypes.isIndex(mediaType) || MediaTypes.isImageManifest(mediaType);
    }
  }

  /**
   * Adds every blob reachable from {@code root} to {@code seen} (blobs already in it are not walked
   * again) and reports missing, mis-sized or unreadable ones to {@code problems}.
   */
  static void walk(Layout layout, Descriptor root, Set<Digest> seen, List<Problem> problems)
      throws IOException {
    Deque<Node> todo = new ArrayDeque<>();
    todo.push(new Node(root.digest(), root.mediaType(), root.size()));
    while (!todo.isEmpty()) {
      Node node = todo.pop();
      if (!seen.add(node.digest)) {
        continue;
      }
      Path blob = layout.blob(node.digest);
      if (!Files.isRegularFile(blob)) {
        problems.add(new Problem(node.digest, node.mediaType, Problem.MISSING));
        continue;
      }
      long size = Files.size(blob);
      if (node.size >= 0 && size != node.size) {
        problems.add(new Problem(node.digest, node.mediaType,
            "descriptor says " + node.size + " bytes but the blob has " + size));
      }
      if (MediaTypes.isIndex(node.mediaType) || MediaTypes.isImageManifest(node.mediaType)) {
        try {
          JsonNode json = Json.mapper().readTree(Files.readAllBytes(blob));
          children(json, todo);
        } catch (IOException | IllegalArgumentException e) {
          problems.add(new Problem(node.digest, node.mediaType,
              "unreadable " + node.mediaType + ": " + e.getMessage()));
        }
      }
    }
  }

  private static void children(JsonNode json, Deque<Node> todo) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    for (String field : SINGLE) {
      JsonNode d = json.get(field);
      if (d != null && !d.isNull()) {
        todo.push(node(field, d));
      }
    }
    for (String field : LISTS) {
      JsonNode list = json.get(field);
      if (list != null && list.isArray()) {
        for (JsonNode d : list) {
          todo.push(node(field, d));
        }
      }
    }
  }

  private static Node node(String field, JsonNode d) {
    JsonNode digest = d.get("digest");
    if (digest == null || !digest.isTextual()) {
      throw new IllegalArgumentException("a descriptor in '" + field + "' has no digest");
    }
    JsonNode mediaType = d.get("mediaType");
    JsonNode size = d.get("size");
    return new Node(Digest.parse(digest.asText()), mediaType == null ? "" : mediaType.asText(),
        size != null && size.canConvertToLong() ? size.asLong() : -1);
  }

  private record Node(Digest digest, String mediaType, long size) {}
}
