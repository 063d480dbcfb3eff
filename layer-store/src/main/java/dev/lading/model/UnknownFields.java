package dev.lading.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Copies of the JSON fields a record does not model, kept so that rewriting a document someone else
 * wrote (a base image's config) loses nothing. JSON nodes are mutable, so they are copied in and out.
 */
final class UnknownFields {
  private UnknownFields() {}

  static Map<String, JsonNode> copy(Map<String, JsonNode> fields) {
    if (fields == null || fields.isEmpty()) {
      return Map.of();
    }
    TreeMap<String, JsonNode> copy = new TreeMap<>();
    fields.forEach((k, v) -> copy.put(k, v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v.deepCopy()));
    return Collections.unmodifiableMap(copy);
  }
}
