package dev.lading.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A registry refused or failed a request, or could not be reached. The message is complete for a user:
 * what was attempted, the HTTP status, the registry's own error codes, and what to do about it. Callers
 * show {@link #getMessage()} and need no stack trace.
 */
public final class RegistryException extends IOException {
  /** What to do when an HTTP proxy wants credentials it was not given, or refused those given. */
  static final String PROXY_AUTH_HINT = "the HTTP proxy requires credentials (407 Proxy Authentication"
      + " Required): give it a user name and password (Maven: <username>/<password> of the <proxy> in"
      + " settings.xml; CLI: http://user:password@host:port in HTTPS_PROXY)";

  /** {@link #status()} when no HTTP answer was received (connection or TLS failure). */
  public static final int NO_STATUS = -1;

  private final int status;
  private final List<RegistryError> errors;
  private final String hint;
  private final transient Duration retryAfter;
  private final String registry;

  RegistryException(String what, int status, List<RegistryError> errors, String hint,
      Duration retryAfter, Throwable cause) {
    this(what, null, status, errors, hint, retryAfter, cause);
  }

  private RegistryException(String what, String registry, int status, List<RegistryError> errors,
      String hint, Duration retryAfter, Throwable cause) {
    super(message(what, status, errors, hint), cause);
    this.registry = registry;
    this.status = status;
    this.errors = List.copyOf(errors);
    this.hint = hint;
    this.retryAfter = retryAfter;
  }

  RegistryException(String what, String hint, Throwable cause) {
    this(what, NO_STATUS, List.of(), hint, null, cause);
  }

  /** The HTTP status, or {@link #NO_STATUS}. */
  public int status() {
    return status;
  }

  /**
   * The registry host that answered with {@link #status()} ({@code ghcr.io}, {@code 127.0.0.1:5000}),
   * or null when the failure came before an answer.
   */
  public String registry() {
    return registry;
  }

  /** True when the registry refused the request for lack of (valid) credentials: 401 or 403. */
  public boolean isAuthenticationFailure() {
    return status == 401 || status == 403
        || errors.stream().anyMatch(e -> "UNAUTHORIZED".equals(e.code()) || "DENIED".equals(e.code()));
  }

  /** The registry's error entries (may be empty). */
  public List<RegistryError> errors() {
    return errors;
  }

  /** What the user should do, if we know (may be null). */
  public String hint() {
    return hint;
  }

  /** True when the registry reported this error code (e.g. {@code MANIFEST_UNKNOWN}). */
  public boolean hasCode(String code) {
    return errors.stream().anyMatch(e -> code.equals(e.code()));
  }

  /** True for failures worth retrying: rate limits, server errors, no answer at all. */
  boolean isTransient() {
    return status == 429 || status >= 500 || (status == NO_STATUS && getCause() != null
        && !PROXY_AUTH_HINT.equals(hint)
        && !(getCause() instanceof javax.net.ssl.SSLException)
        && !(getCause() instanceof java.net.UnknownHostException));
  }

  Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * The exception for an unexpected HTTP answer; reads (at most 64 KiB of) the body for the
   * registry's error entries.
   */
  static RegistryException of(String what, String host, int status, byte[] body, Duration retryAfter) {
    List<RegistryError> errors = parseErrors(body);
    return new RegistryException(what, host, status, errors, hintFor(host, status, errors), retryAfter,
        null);
  }

  static List<RegistryError> parseErrors(byte[] body) {
    List<RegistryError> errors = new ArrayList<>();
    if (body == null || body.length == 0) {
      return errors;
    }
    try {
      JsonNode root = Json.mapper().readTree(body);
      JsonNode list = root == null ? null : root.get("errors");
      if (list != null && list.isArray()) {
        for (JsonNode e : list) {
          errors.add(new RegistryError(text(e.get("code")), text(e.get("message")),
              e.hasNonNull("detail") ? e.get("detail").toString() : null));
        }
      }
    } catch (IOException | RuntimeException notJson) {
      // Some proxies answer with HTML or plain text; show its start instead.
      String text = new String(body, StandardCharsets.UTF_8).strip();
      if (!text.isEmpty()) {
        errors.add(new RegistryError(null, text.length() > 200 ? text.substring(0, 200) + "..." : text,
            null));
      }
    }
    return errors;
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  static String hintFor(String host, int status, List<RegistryError> errors) {
    boolean unknown = errors.stream().anyMatch(e -> e.code() != null
        && (e.code().equals("MANIFEST_UNKNOWN") || e.code().equals("NAME_UNKNOWN")
            || e.code().equals("BLOB_UNKNOWN")));
    if (status == 407) {
      return PROXY_AUTH_HINT;
    }
    if (status == 401 || status == 403
        || errors.stream().anyMatch(e -> "UNAUTHORIZED".equals(e.code()) || "DENIED".equals(e.code()))) {
      return "check credentials for " + host + " in ~/.docker/config.json or your settings";
    }
    if (unknown || status == 404) {
      return "check the image name and tag";
    }
    if (status == 429 || errors.stream().anyMatch(e -> "TOOMANYREQUESTS".equals(e.code()))) {
      return host + " is rate limiting requests: wait and try again, or log in for a higher limit";
    }
    if (status >= 500) {
      return host + " failed to answer; try again later";
    }
    if (errors.stream().anyMatch(e -> e.code() != null && e.code().endsWith("_INVALID"))) {
      return "the registry rejected the content; check that the image was built completely";
    }
    return null;
  }

  private static String message(String what, int status, List<RegistryError> errors, String hint) {
    StringBuilder s = new StringBuilder(what);
    if (status != NO_STATUS) {
      s.append(": HTTP ").append(status);
    }
    if (!errors.isEmpty()) {
      s.append(status != NO_STATUS ? " " : ": ")
          .append(errors.stream().map(RegistryError::toString).collect(Collectors.joining("; ")));
    }
    if (hint != null) {
      s.append(" -- ").append(hint);
    }
    return s.toString();
  }
}
