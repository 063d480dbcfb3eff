package dev.lading.dockerfile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** The exec-form test: is an argument string a JSON array of strings, as Docker decides it. */
final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  /** True when the text is a valid JSON array (of anything); such a line is in exec form. */
  static boolean isArray(String text) {
    try {
      return parse(text) != null;
    } catch (DockerfileException e) {
      return true; // a JSON array holding non-strings is still exec form (and an error later)
    }
  }

  /**
   * The strings of a JSON array, or null when the text is not a JSON array (Docker then reads it
   * in shell form).
   *
   * @throws DockerfileException when it is a JSON array holding something other than strings
   */
  static List<String> parse(String text) throws DockerfileException {
    String s = text.stripLeading();
    if (!s.startsWith("[")) {
      return null;
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(s);
    } catch (JsonProcessingException | RuntimeException e) {
      return null;
    }
    if (node == null || !node.isArray()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode element : node) {
      if (!element.isTextual()) {
        throw DockerfileException.of(
            "when using JSON array syntax, arrays must be comprised of strings only");
      }
      out.add(element.textValue());
    }
    return List.copyOf(out);
  }
}
