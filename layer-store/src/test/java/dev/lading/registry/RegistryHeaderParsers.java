package dev.lading.registry;

import java.util.List;
import okhttp3.HttpUrl;

/** Test-only access to the registry client's header parsers, for the fuzz tests in another package. */
public final class RegistryHeaderParsers {
  private RegistryHeaderParsers() {}

  /** Parses a {@code WWW-Authenticate} value and applies its {@code scope} the way a 401 retry does. */
  public static int challenges(String wwwAuthenticate) {
    List<AuthChallenge> all = AuthChallenge.parse(wwwAuthenticate);
    for (AuthChallenge c : all) {
      c.isBearer();
      AuthScope scope = AuthScope.pull("fuzz/repo");
      String asked = c.param("scope");
      if (asked != null) {
        for (String s : asked.split(" ")) {
          scope = scope.plus(s);
        }
      }
      scope.key();
    }
    return all.size();
  }

  /** The next page a {@code Link} value names, resolved against {@code request}; null when none. */
  public static HttpUrl nextPage(HttpUrl request, String link) {
    return RegistryProtocol.nextPage(request, List.of(link));
  }

  /** The first byte a {@code Content-Range} value names, or -1. */
  public static long contentRangeStart(String contentRange) {
    return RegistryProtocol.contentRangeStart(contentRange);
  }
}
