package dev.lading.mirror;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v2/<name>/tags/list} and {@code /v2/_catalog}: sorted lists, paged with {@code n} and
 * {@code last} and a {@code Link: <...>; rel="next"} header while more remain.
 */
final class ListingHandler implements ResourceHandler {
  /** The page size when the client names none; also the largest one served. */
  static final int MAX_PAGE = 10_000;

  private final RegistryStorage storage;

  ListingHandler(RegistryStorage storage) {
    this.storage = storage;
  }

  @Override
  public void handle(HttpServerExchange ex, Route route) throws ApiException, IOException {
    if (!ex.getRequestMethod().equals(Methods.GET) && !ex.getRequestMethod().equals(Methods.HEAD)) {
      throw ErrorCode.UNSUPPORTED.with(ex.getRequestMethod() + " is not supported on listings");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    String path;
    List<String> all;
    String key;
    if (route.kind() == Route.Kind.TAGS) {
      String name = Http.name(route);
      all = storage.tags(name);
      if (all.isEmpty()) {
        throw ErrorCode.NAME_UNKNOWN.with("repository " + name + " has no tags");
      }
      body.put("name", name);
      path = "/v2/" + name + "/tags/list";
      key = "tags";
    } else {
      all = storage.repositories();
      path = "/v2/_catalog";
      key = "repositories";
    }
    int n = pageSize(Http.query(ex, "n"));
    String last = Http.query(ex, "last");
    List<String> page = new ArrayList<>();
    boolean more = false;
    for (String item : all) {
      if (last != null && item.compareTo(last) <= 0) {
        continue;
      }
      if (page.size() == n) {
        more = true;
        break;
      }
      page.add(item);
    }
    body.put(key, page);
    if (more && !page.isEmpty()) {
      // Names and tags use only characters that are safe in a query, so no escaping is needed.
      String next = path + "?n=" + n + "&last=" + page.get(page.size() - 1);
      ex.getResponseHeaders().put(Http.LINK, "<" + next + ">; rel=\"next\"");
    }
    Http.json(ex, "application/json", body);
  }

  private static int pageSize(String n) throws ApiException {
    if (n == null || n.isEmpty()) {
      return MAX_PAGE;
    }
    try {
      int size = Integer.parseInt(n);
      if (size >= 0) {
        return Math.min(size, MAX_PAGE);
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ErrorCode.UNSUPPORTED.with(400, "n must be a number from 0 to " + MAX_PAGE + ", not '"
        + Http.printable(n) + "'");
  }
}
