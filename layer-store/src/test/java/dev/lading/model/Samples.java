package dev.lading.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Hand-written, registry-shaped JSON documents from the test resources, and JSON comparison helpers. */
final class Samples {
  private Samples() {}

  static byte[] bytes(String name) {
    try (InputStream in = Samples.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The JSON tree of {@code json} with null-valued fields removed: Go, which writes and reads these
   * documents, treats a null field as absent, so the two mean the same.
   */
  static JsonNode meaning(byte[] json) {
    try {
      JsonNode tree = Json.mapper().readTree(json);
      stripNulls(tree);
      return tree;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void stripNulls(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> nulls = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNull()) {
          nulls.add(e.getKey());
        } else {
          stripNulls(e.getValue());
        }
      }
      object.remove(nulls);
    } else if (node.isArray()) {
      node.forEach(Samples::stripNulls);
    }
  }
}
