package dev.lading.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lading.model.ImageReference;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link ImageReference#parse}, which reads what users type and what image archives name. The
 * only accepted failure is a plain {@link IllegalArgumentException} whose message quotes the reference
 * and shows the expected form (a subclass such as {@link NumberFormatException} would be a leak). A
 * reference that parses must print as a reference that parses back to itself.
 *
 * <p>Seeds in {@code ImageReferenceFuzzTestInputs/parse/}: the forms Docker accepts (official images,
 * namespaced, registry with port, IPv6, tag and digest) and a few it refuses.
 */
class ImageReferenceFuzzTest {
  @FuzzTest
  void parse(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    ImageReference reference;
    try {
      reference = ImageReference.parse(text);
    } catch (IllegalArgumentException e) {
      assertEquals(IllegalArgumentException.class, e.getClass(), "not the named error");
      assertTrue(e.getMessage().startsWith("invalid image reference '"), e.getMessage());
      return;
    }
    reference.apiHost();
    reference.isLoopback();
    reference.tagOrDigest();
    assertEquals(reference, ImageReference.parse(reference.toString()), "does not round-trip");
  }
}
