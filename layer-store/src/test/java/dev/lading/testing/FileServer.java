package dev.lading.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP file server on a free loopback port (the JDK's own HttpServer), for ADD of a URL:
 * each path serves bytes with a {@code Last-Modified} time, or redirects; anything else is 404. It
 * counts the GETs each path got.
 */
public final class FileServer implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, Instant> times = new ConcurrentHashMap<>();
  private final Map<String, String> redirects = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();

  private FileServer(HttpServer server) {
    this.server = server;
  }

  public static FileServer start() throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    FileServer server = new FileServer(http);
    http.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      server.gets.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      try (exchange) {
        String location = server.redirects.get(path);
        byte[] body = server.files.get(path);
        if (location != null) {
          exchange.getResponseHeaders().set("Location", location);
          exchange.sendResponseHeaders(302, -1);
        } else if (body == null) {
          exchange.sendResponseHeaders(404, -1);
        } else {
          Instant time = server.times.get(path);
          if (time != null) {
            // HTTP's IMF-fixdate (two-digit day), which Go's clients insist on; Java's RFC 1123 has one.
            exchange.getResponseHeaders().set("Last-Modified", DateTimeFormatter.ofPattern(
                "EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US).format(time.atOffset(ZoneOffset.UTC)));
          }
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        }
      }
    });
    http.start();
    return server;
  }

  /** Serves {@code body} at {@code path}, modified at {@code time} (null: no Last-Modified header). */
  public FileServer file(String path, byte[] body, Instant time) {
    files.put(path, body);
    if (time != null) {
      times.put(path, time);
    } else {
      times.remove(path);
    }
    return this;
  }

  /** Redirects {@code path} to {@code to} (a path on this server). */
  public FileServer redirect(String path, String to) {
    redirects.put(path, url(to));
    return this;
  }

  /** The URL of {@code path} on this server. */
  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** How many GETs {@code path} got. */
  public int gets(String path) {
    AtomicInteger n = gets.get(path);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
