package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.model.Json;
import dev.lading.store.Store;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The small request and response steps every handler shares: names, digests, headers, bodies. */
final class Http {
  static final HttpString CONTENT_DIGEST = new HttpString("Docker-Content-Digest");
  static final HttpString UPLOAD_UUID = new HttpString("Docker-Upload-UUID");
  static final HttpString API_VERSION = new HttpString("Docker-Distribution-API-Version");
  static final HttpString OCI_SUBJECT = new HttpString("OCI-Subject");
  static final HttpString FILTERS_APPLIED = new HttpString("OCI-Filters-Applied");
  static final HttpString LINK = new HttpString("Link");
  static final HttpString WARNING = new HttpString("Warning");

  private Http() {}

  /** The repository name, or NAME_INVALID: also what keeps '..' and the like out of the store. */
  static String name(Route route) throws ApiException {
    if (!Store.isRepositoryName(route.name())) {
      throw ErrorCode.NAME_INVALID.with("invalid repository name '" + printable(route.name())
          + "': lower-case components of letters and digits separated by '.', '_', '__' or dashes,"
          + " joined by '/'");
    }
    return route.name();
  }

  /** A digest, or DIGEST_INVALID. */
  static Digest digest(String text) throws ApiException {
    if (text == null || text.isEmpty()) {
      throw ErrorCode.DIGEST_INVALID.with("a digest is required (?digest=sha256:...)");
    }
    try {
      return Digest.parse(text);
    } catch (IllegalArgumentException e) {
      throw ErrorCode.DIGEST_INVALID.with(printable(e.getMessage()));
    }
  }

  /**
   * A digest asked for by GET or HEAD: as {@link #digest}, except that one of an algorithm the OCI
   * image spec registers but the store does not keep (sha512) cannot be here, so it is {@code unknown}
   * (404 {@code whatPrefix + text}), as for any content a registry does not hold.
   */
  static Digest storedDigest(String text, ErrorCode unknown, String whatPrefix) throws ApiException {
    if (isUnkeptAlgorithm(text)) {
      throw unknown.with(whatPrefix + text + " (this registry keeps sha256 content only)");
    }
    return digest(text);
  }

  /** A well-formed digest of sha512, the image spec's other registered algorithm, which the store does not keep. */
  static boolean isUnkeptAlgorithm(String text) {
    return text != null && SHA512.matcher(text).matches();
  }

  private static final Pattern SHA512 = Pattern.compile("sha512:[a-f0-9]{128}");

  /** The first value of a query parameter, or null. */
  static String query(HttpServerExchange ex, String name) {
    Deque<String> values = ex.getQueryParameters().get(name);
    return values == null || values.isEmpty() ? null : values.getFirst();
  }

  static boolean isHead(HttpServerExchange ex) {
    return ex.getRequestMethod().equals(Methods.HEAD);
  }

  /** GET or HEAD: what needs only pull access. */
  static boolean isRead(HttpServerExchange ex) {
    return isHead(ex) || ex.getRequestMethod().equals(Methods.GET);
  }

  /** Answers with a status and no body, e.g. 201 or 202 with a Location. */
  static void empty(HttpServerExchange ex, int status) {
    ex.setStatusCode(status);
    ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, 0);
  }

  /**
   * Blocking I/O for an answer written on this worker thread, unless already started: blob requests
   * start without it ({@link BlobHandler} sends stored blobs asynchronously).
   */
  static void startBlocking(HttpServerExchange ex) {
    if (!ex.isBlocking()) {
      ex.startBlocking();
    }
  }

  /** Answers with a whole small body (nothing is sent for HEAD, the length still is). */
  static void body(HttpServerExchange ex, int status, String contentType, byte[] body)
      throws IOException {
    ex.setStatusCode(status);
    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
    ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
    startBlocking(ex);
    if (!isHead(ex)) {
      ex.getOutputStream().write(body);
    }
  }

  /** The spec's error body: {@code {"errors":[{"code","message","detail"}]}}. */
  static void error(HttpServerExchange ex, ApiException e) throws IOException {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", e.code().name());
    error.put("message", e.code().message());
    error.put("detail", e.detail());
    List<Object> errors = new ArrayList<>();
    errors.add(error);
    byte[] json = Json.mapper().writeValueAsBytes(Map.of("errors", errors));
    body(ex, e.status(), "application/json", json);
  }

  /** A JSON document as the response. */
  static void json(HttpServerExchange ex, String contentType, Object value) throws IOException {
    body(ex, 200, contentType, Json.mapper().writeValueAsBytes(value));
  }

  /** Text safe to echo in a message: no control characters, bounded length. */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    String clean = s.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
