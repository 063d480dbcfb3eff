package dev.lading.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.testing.Processes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** skopeo, the peer client the ITs check our images with, and its JSON output. */
final class Skopeo {
  private Skopeo() {}

  /** Runs {@code skopeo ARGS} and returns its output; a failure is an IOException with that output. */
  static String run(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo"));
    cmd.addAll(List.of(args));
    return Processes.check(cmd, 120);
  }

  /** Runs {@code skopeo ARGS} and parses its JSON output. */
  static JsonNode json(String... args) throws IOException {
    return Json.mapper().readTree(run(args));
  }

  /** The texts of a JSON array. */
  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
