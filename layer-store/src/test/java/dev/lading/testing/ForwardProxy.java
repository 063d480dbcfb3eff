package dev.lading.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP forward proxy on a loopback port: {@code CONNECT host:port} tunnels and absolute-URI
 * requests ({@code GET http://host:port/path}), optionally demanding Basic credentials (407 first).
 * Host names are resolved only through its own table, so a name such as {@code registry.test} is
 * reachable only through this proxy. It counts what it served, for tests to check the proxy was used.
 */
public final class ForwardProxy implements AutoCloseable {
  private final ServerSocket server;
  private final Map<String, String> hosts;
  private final String expectedAuthorization;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "forward-proxy");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger tunnels = new AtomicInteger();
  private final AtomicInteger forwarded = new AtomicInteger();
  private final AtomicInteger challenged = new AtomicInteger();

  private ForwardProxy(ServerSocket server, Map<String, String> hosts, String expectedAuthorization) {
    this.server = server;
    this.hosts = Map.copyOf(hosts);
    this.expectedAuthorization = expectedAuthorization;
  }

  /**
   * Starts a proxy that resolves the names in {@code hosts} (name to address) and nothing else; with
   * a non-null {@code user}, every request must carry {@code Proxy-Authorization: Basic} for it.
   */
  public static ForwardProxy start(Map<String, String> hosts, String user, String password) throws IOException {
    String auth = user == null ? null : "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    ForwardProxy proxy = new ForwardProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), hosts, auth);
    proxy.threads.execute(proxy::acceptLoop);
    return proxy;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** CONNECT tunnels opened. */
  public int tunnels() {
    return tunnels.get();
  }

  /** Absolute-URI requests forwarded. */
  public int forwarded() {
    return forwarded.get();
  }

  /** Requests answered with 407 for lack of the right credentials. */
  public int challenged() {
    return challenged.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> serve(client));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      List<String> head = readHead(in);
      if (head.isEmpty()) {
        return;
      }
      String[] requestLine = head.get(0).split(" ");
      if (expectedAuthorization != null && !expectedAuthorization.equals(header(head, "Proxy-Authorization"))) {
        challenged.incrementAndGet();
        discardBody(in, head);
        respond(out, "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"test-proxy\"\r\n");
        return;
      }
      if (requestLine[0].equals("CONNECT")) {
        try (Socket upstream = connect(requestLine[1])) {
          if (upstream == null) {
            respond(out, "502 Bad Gateway", "");
            return;
          }
          tunnels.incrementAndGet();
          out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          pipe(client, upstream);
        }
        return;
      }
      URI uri = URI.create(requestLine[1]);
      try (Socket upstream = connect(uri.getHost() + ":" + (uri.getPort() < 0 ? 80 : uri.getPort()))) {
        if (upstream == null) {
          respond(out, "502 Bad Gateway", "");
          return;
        }
        forwarded.incrementAndGet();
        // Origin-form request line; one request per connection keeps the relay a plain byte pipe.
        StringBuilder rewritten = new StringBuilder(requestLine[0] + " " + uri.getRawPath()
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()) + " " + requestLine[2] + "\r\n");
        for (String line : head.subList(1, head.size())) {
          String name = line.substring(0, Math.max(0, line.indexOf(':'))).toLowerCase(Locale.ROOT);
          if (!name.startsWith("proxy-") && !name.equals("connection")) {
            rewritten.append(line).append("\r\n");
          }
        }
        rewritten.append("Connection: close\r\n\r\n");
        upstream.getOutputStream().write(rewritten.toString().getBytes(StandardCharsets.ISO_8859_1));
        pipe(client, upstream);
      }
    } catch (IOException dropped) {
      // the client or upstream went away; nothing to report
    }
  }

  /** Connects to {@code name:port} if the name is in the table, else null. */
  private Socket connect(String authority) throws IOException {
    int colon = authority.lastIndexOf(':');
    String address = hosts.get(authority.substring(0, colon).toLowerCase(Locale.ROOT));
    return address == null ? null : new Socket(address, Integer.parseInt(authority.substring(colon + 1)));
  }

  /** Copies both ways until the upstream closes (and then closes the client side). */
  private void pipe(Socket client, Socket upstream) throws IOException {
    threads.execute(() -> {
      try {
        client.getInputStream().transferTo(upstream.getOutputStream());
        upstream.shutdownOutput();
      } catch (IOException closed) {
        // the other direction ends the exchange
      }
    });
    upstream.getInputStream().transferTo(client.getOutputStream());
    client.getOutputStream().flush();
  }

  private static void respond(OutputStream out, String status, String headers) throws IOException {
    out.write(("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: 0\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static void discardBody(InputStream in, List<String> head) throws IOException {
    String length = header(head, "Content-Length");
    if (length != null) {
      in.skipNBytes(Long.parseLong(length.trim()));
    }
  }

  private static String header(List<String> head, String name) {
    for (String line : head.subList(1, head.size())) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1).replaceFirst("\r$", "");
        if (s.isEmpty()) {
          return lines;
        }
        lines.add(s);
        line.reset();
      } else {
        line.write(b);
      }
    }
    return List.of();
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
