package dev.lading.mirror;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lading.model.Json;
import io.undertow.server.HttpServerExchange;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The request log's lines: one per request (method, path, status, bytes sent, milliseconds, client
 * address, user) as text or as one JSON object, and the mirror's other messages in the same form so
 * that a JSON log stays one object per line.
 */
public final class RequestLog {
  /** How lines are written. */
  public enum Format { TEXT, JSON }

  private final Format format;

  public RequestLog(Format format) {
    this.format = format;
  }

  /** The line of a finished request that took {@code nanos}. */
  String line(HttpServerExchange done, long nanos) {
    String method = done.getRequestMethod().toString();
    String path = Http.printable(done.getRequestPath());
    String user = done.getAttachment(ClientAuth.USER);
    InetSocketAddress peer = done.getSourceAddress();
    String client = peer == null ? "-" : peer.getHostString();
    long millis = nanos / 1_000_000;
    if (format == Format.TEXT) {
      return String.format(Locale.ROOT, "%s %s %d %d %dms %s %s", method, path,
          done.getStatusCode(), done.getResponseBytesSent(), millis, client,
          user == null ? "-" : Http.printable(user));
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("time", Instant.now().toString());
    entry.put("method", method);
    entry.put("path", path);
    entry.put("status", done.getStatusCode());
    entry.put("bytes", done.getResponseBytesSent());
    entry.put("ms", millis);
    entry.put("client", client);
    entry.put("user", user);
    return json(entry);
  }

  /** Any other message of the mirror, in the log's format. */
  public String message(String text) {
    if (format == Format.TEXT) {
      return text;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("time", Instant.now().toString());
    entry.put("message", text);
    return json(entry);
  }

  private static String json(Map<String, Object> entry) {
    try {
      return Json.mapper().writeValueAsString(entry);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings and numbers is always JSON", e);
    }
  }
}
