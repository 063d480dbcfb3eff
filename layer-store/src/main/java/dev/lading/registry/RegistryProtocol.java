package dev.lading.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * The Distribution API's names, URLs and headers as the client reads and writes them: repository and
 * tag syntax, endpoint URLs, {@code Location}, {@code Link} and {@code Content-Range} headers, media
 * types, bounded reads of small answers. Stateless; shared by the manifest, download and upload code.
 */
final class RegistryProtocol {
  static final int BUFFER = 64 * 1024;
  static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  private static final Pattern REPOSITORY = Pattern.compile(
      "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  // No '<' inside the URL or the parameters: each match attempt then stops at the next link, which
  // keeps the search linear in the header's length (a registry sends up to OkHttp's 256 KiB).
  private static final Pattern NEXT_LINK = Pattern.compile("<([^<>]*)>\\s*;[^,<]*rel=\"?next\"?");

  private RegistryProtocol() {}

  static HttpUrl location(Response response, String what) throws RegistryException {
    String location = response.header("Location");
    // Location may be relative to the request (the spec allows it; distribution sends absolute ones).
    HttpUrl resolved = location == null ? null : response.request().url().resolve(location);
    if (resolved == null) {
      throw new RegistryException(what + ": the registry answered " + response.code()
          + " without a usable Location ('" + location + "')", "the registry does not follow the"
          + " distribution API", null);
    }
    return resolved;
  }

  static HttpUrl nextPage(Response response) {
    return nextPage(response.request().url(), response.headers("Link"));
  }

  /**
   * The page that {@code Link: <url>; rel="next"} values point to, resolved against the request's
   * URL; null when there is none (or it is not a usable URL).
   */
  static HttpUrl nextPage(HttpUrl request, List<String> links) {
    for (String link : links) {
      Matcher m = NEXT_LINK.matcher(link);
      if (m.find()) {
        return request.resolve(m.group(1));
      }
    }
    return null;
  }

  /** The first byte of a {@code Content-Range: bytes first-last/size} value, or -1 when it is not one. */
  static long contentRangeStart(String value) {
    Matcher m = value == null ? null : CONTENT_RANGE.matcher(value.trim());
    if (m == null || !m.matches()) {
      return -1;
    }
    try {
      return Long.parseLong(m.group(1));
    } catch (NumberFormatException beyondLong) {
      return -1; // more digits than a long holds: no blob is that large
    }
  }

  static String mediaTypeOf(String contentType, byte[] bytes, String what) throws IOException {
    String type = baseType(contentType);
    if (type != null && MediaTypes.MANIFEST_TYPES.contains(type)) {
      return type;
    }
    // Some registries serve application/json; the document then names its own type.
    try {
      JsonNode json = Json.mapper().readTree(bytes);
      if (json != null && json.hasNonNull("mediaType")) {
        return json.get("mediaType").asText();
      }
    } catch (IOException notJson) {
      throw new RegistryException(what + ": the manifest is not JSON", "the registry served something"
          + " that is not an image manifest; check the image name", notJson);
    }
    if (type != null && !type.equals("application/json") && !type.equals("text/plain")) {
      return type;
    }
    throw new RegistryException(what + ": the manifest names no media type and was served as "
        + contentType, "the image uses a manifest format lading does not read", null);
  }

  static String baseType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    String base = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return base.isEmpty() ? null : base.toLowerCase(Locale.ROOT);
  }

  static long contentLength(Response response) {
    String value = response.header("Content-Length");
    try {
      return value == null ? -1 : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static byte[] readLimited(ResponseBody body, long limit, String what) throws IOException {
    if (body.contentLength() > limit) {
      throw new RegistryException(what + ": the answer has " + body.contentLength()
          + " bytes, more than the " + limit + " accepted", "this is not a normal registry answer", null);
    }
    BufferedSource source = body.source();
    if (source.request(limit + 1)) {
      throw new RegistryException(what + ": the answer has more than the " + limit + " bytes accepted",
          "this is not a normal registry answer", null);
    }
    return source.readByteArray();
  }

  static HttpUrl url(String api, String repository, String... tail) {
    HttpUrl.Builder b = HttpUrl.get("https://" + api + "/v2/").newBuilder().addPathSegments(repository);
    for (String segment : tail) {
      b.addPathSegment(segment);
    }
    return b.build();
  }

  static String apiHost(String host) {
    Objects.requireNonNull(host, "host");
    if (host.isBlank() || host.contains("/")) {
      throw new IllegalArgumentException("not a registry host: '" + host + "' (expected host[:port])");
    }
    return RegistryHosts.apiHost(host);
  }

  static String where(String api, String repository, String reference) {
    return RegistryHosts.displayName(api) + "/" + repository
        + (Digest.isDigest(reference) ? "@" : ":") + reference;
  }

  static void checkRepository(String repository) {
    Objects.requireNonNull(repository, "repository");
    if (repository.length() > 255 || !REPOSITORY.matcher(repository).matches()) {
      throw new IllegalArgumentException("not a repository name: '" + repository
          + "' (lower-case letters, digits and . _ - separators, path parts joined by /)");
    }
  }

  static void checkNames(String repository, String reference) {
    checkRepository(repository);
    Objects.requireNonNull(reference, "tagOrDigest");
    if (!TAG.matcher(reference).matches() && !Digest.isDigest(reference)) {
      throw new IllegalArgumentException("not a tag or sha256 digest: '" + reference + "'");
    }
  }
}
