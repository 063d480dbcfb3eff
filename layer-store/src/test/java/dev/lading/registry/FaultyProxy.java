package dev.lading.registry;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A loopback TCP proxy in front of a real registry that can misbehave on chosen requests: cut the
 * response after N bytes, corrupt its last byte, or answer with a canned response instead of the
 * registry. It forces one request per connection ({@code Connection: close}) so that every request's
 * head can be inspected; TLS probes are forwarded untouched.
 */
final class FaultyProxy implements AutoCloseable {
  /** What to do to one matching request. */
  sealed interface Fault permits Cut, CorruptLastByte, Answer { }

  /** Forward, but close both sides after {@code bytes} bytes of the response. */
  record Cut(long bytes) implements Fault { }

  /** Forward, but flip the bits of the response's last byte (the body's last byte). */
  record CorruptLastByte() implements Fault { }

  /** Do not forward: answer with these raw HTTP response bytes and close. */
  record Answer(String rawResponse) implements Fault { }

  private record Rule(Predicate<String> requestLine, Fault fault) { }

  private final ServerSocket server;
  private final int upstreamPort;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "faulty-proxy");
    t.setDaemon(true);
    return t;
  });
  private final List<Rule> rules = new ArrayList<>();
  private final List<String> requestHeads = new CopyOnWriteArrayList<>();

  private FaultyProxy(ServerSocket server, int upstreamPort) {
    this.server = server;
    this.upstreamPort = upstreamPort;
  }

  static FaultyProxy start(int upstreamPort) throws IOException {
    FaultyProxy proxy = new FaultyProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
        upstreamPort);
    proxy.threads.execute(proxy::acceptLoop);
    return proxy;
  }

  String hostPort() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Applies {@code fault} to the next request whose request line matches (once). */
  synchronized void onNext(Predicate<String> requestLine, Fault fault) {
    rules.add(new Rule(requestLine, fault));
  }

  /** Every HTTP request head seen, in order. */
  List<String> requestHeads() {
    return List.copyOf(requestHeads);
  }

  private synchronized Fault take(String requestLine) {
    for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
      Rule rule = it.next();
      if (rule.requestLine().test(requestLine)) {
        it.remove();
        return rule.fault();
      }
    }
    return null;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> handle(client));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void handle(Socket client) {
    try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
      BufferedInputStream in = new BufferedInputStream(client.getInputStream());
      in.mark(1);
      int first = in.read();
      in.reset();
      if (first < 0) {
        return;
      }
      if (first == 0x16) { // a TLS ClientHello: the client's HTTPS probe
        pump(in, upstream.getOutputStream(), null, true);
        pump(upstream.getInputStream(), client.getOutputStream(), null, false);
        return;
      }
      String head = readHead(in);
      requestHeads.add(head);
      String requestLine = head.substring(0, head.indexOf("\r\n"));
      Fault fault = take(requestLine);
      if (fault instanceof Answer answer) {
        client.getOutputStream().write(answer.rawResponse().getBytes(StandardCharsets.ISO_8859_1));
        client.getOutputStream().flush();
        return;
      }
      OutputStream up = upstream.getOutputStream();
      up.write(oneRequestPerConnection(head).getBytes(StandardCharsets.ISO_8859_1));
      up.flush();
      pump(in, up, null, true);
      pump(upstream.getInputStream(), client.getOutputStream(), fault, false);
    } catch (IOException ignored) {
      // A test cut the connection, or a side went away: nothing to do.
    }
  }

  /** Copies in to out; in the background for the request direction, inline (with faults) for responses. */
  private void pump(InputStream in, OutputStream out, Fault fault, boolean background) throws IOException {
    if (background) {
      threads.execute(() -> {
        try {
          in.transferTo(out);
        } catch (IOException ignored) {
          // the other direction closed the sockets
        }
      });
      return;
    }
    if (fault instanceof CorruptLastByte) {
      byte[] all = in.readAllBytes();
      if (all.length > 0) {
        all[all.length - 1] ^= 0x5a;
      }
      out.write(all);
      out.flush();
      return;
    }
    long limit = fault instanceof Cut cut ? cut.bytes() : Long.MAX_VALUE;
    byte[] buffer = new byte[8192];
    long sent = 0;
    for (int n; sent < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - sent))) != -1; ) {
      out.write(buffer, 0, n);
      out.flush();
      sent += n;
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside a request head");
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static String oneRequestPerConnection(String head) {
    StringBuilder out = new StringBuilder();
    for (String line : head.split("\r\n")) {
      if (!line.toLowerCase(java.util.Locale.ROOT).startsWith("connection:")) {
        out.append(line).append("\r\n");
      }
    }
    return out.append("Connection: close\r\n\r\n").toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
