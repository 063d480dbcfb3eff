package dev.lading.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lading.registry.RegistryHeaderParsers;
import java.nio.charset.StandardCharsets;
import okhttp3.HttpUrl;

/**
 * Fuzzes the registry client's parsing of the response headers a registry controls:
 * {@code WWW-Authenticate}, {@code Link} and {@code Content-Range}. None of them may throw: a header
 * that cannot be read is ignored ({@code WWW-Authenticate}, {@code Link}) or reported by the caller as
 * a {@code RegistryException} ({@code Content-Range} gives -1).
 *
 * <p>Each input is one header value (UTF-8) and goes to all three parsers: they are small, and one
 * target keeps the CI run short. Seeds in {@code RegistryHeaderFuzzTestInputs/headers/} are values
 * that distribution ({@code docker-registry}), Docker Hub and GHCR send.
 */
class RegistryHeaderFuzzTest {
  private static final HttpUrl REQUEST = HttpUrl.get("https://registry.example/v2/team/app/tags/list?n=100");

  @FuzzTest
  void headers(byte[] input) {
    String value = new String(input, StandardCharsets.UTF_8);
    RegistryHeaderParsers.challenges(value);
    RegistryHeaderParsers.nextPage(REQUEST, value);
    long start = RegistryHeaderParsers.contentRangeStart(value);
    assertTrue(start >= -1, () -> "negative range start " + start + " from '" + value + "'");
  }
}
