package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** The registry client's readers of the {@code Link} and {@code Content-Range} response headers. */
class RegistryClientHeadersTest {
  private static final HttpUrl REQUEST = HttpUrl.get("http://127.0.0.1:5000/v2/fz/app/tags/list?n=2");

  @Test
  void readsTheFirstByteOfAContentRange() {
    assertEquals(5, RegistryProtocol.contentRangeStart("bytes 5-28/29"));
    assertEquals(1048576, RegistryProtocol.contentRangeStart(" bytes 1048576-2097151/* "));
  }

  @Test
  void contentRangesThatAreNotOneGiveMinusOne() {
    assertEquals(-1, RegistryProtocol.contentRangeStart(null));
    assertEquals(-1, RegistryProtocol.contentRangeStart("bytes */29"));
    assertEquals(-1, RegistryProtocol.contentRangeStart("5-28"));
    // Found by RegistryHeaderFuzzTest: more digits than a long holds leaked a NumberFormatException.
    assertEquals(-1, RegistryProtocol.contentRangeStart("bytes 57777777777777777777777-28/29"));
  }

  @Test
  void followsTheNextLinkRelativeToTheRequest() {
    assertEquals(HttpUrl.get("http://127.0.0.1:5000/v2/fz/app/tags/list?last=1.1&n=2"),
        RegistryProtocol.nextPage(REQUEST, List.of("</v2/fz/app/tags/list?last=1.1&n=2>; rel=\"next\"")));
    assertNull(RegistryProtocol.nextPage(REQUEST, List.of("</v2/other>; rel=\"prev\"")));
    assertNull(RegistryProtocol.nextPage(REQUEST, List.of()));
  }

  @Test
  void aLongLinkHeaderIsReadInLinearTime() {
    // 256 KiB of '<' took minutes with the old pattern (every '<' started a scan to the end).
    for (String hostile : List.of("<".repeat(256 * 1024), "<>;".repeat(87_000), "<a>;" + " ".repeat(256 * 1024))) {
      assertNull(assertTimeoutPreemptively(Duration.ofSeconds(5),
          () -> RegistryProtocol.nextPage(REQUEST, List.of(hostile))));
    }
  }
}
