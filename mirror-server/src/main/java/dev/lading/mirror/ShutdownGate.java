package dev.lading.mirror;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a shutdown lets finish: the requests in flight, and the upload sessions already started,
 * whose PATCH and PUT requests are still taken until each session is committed or cancelled (a
 * client pushing a layer in chunks gets to the end of it). Every other request meanwhile gets
 * {@code 503 UNAVAILABLE}, so a client retries against the next instance.
 */
final class ShutdownGate implements HttpHandler {
  private final HttpHandler next;
  private final Set<String> openUploads = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;
  private int active;

  ShutdownGate(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange ex) throws Exception {
    Route route = Route.of(ex.getRequestPath());
    boolean continuesUpload = route.kind() == Route.Kind.UPLOAD
        && openUploads.contains(route.argument());
    if (draining && !continuesUpload) {
      refuse(ex);
      return;
    }
    synchronized (this) {
      active++;
    }
    ex.addExchangeCompleteListener((done, nextListener) -> {
      track(done, route);
      synchronized (this) {
        active--;
        notifyAll();
      }
      nextListener.proceed();
    });
    next.handleRequest(ex);
  }

  /** Stops taking new work. */
  void shutdown() {
    draining = true;
  }

  /** Waits until no request is in flight and no upload open, or {@code millis} passed. */
  synchronized void awaitDrained(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (active > 0 || !openUploads.isEmpty()) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return;
      }
      // Woken by each request's end; an upload that ends sets no request going, so poll too.
      wait(Math.min(left, 200));
    }
  }

  /** Notes the upload sessions a request opened or closed. */
  private void track(HttpServerExchange done, Route route) {
    int status = done.getStatusCode();
    if (route.kind() == Route.Kind.UPLOADS && status == 202) {
      String location = done.getResponseHeaders().getFirst(Headers.LOCATION);
      if (location != null) {
        Route session = Route.of(location.replaceFirst("\\?.*", ""));
        if (session.kind() == Route.Kind.UPLOAD) {
          openUploads.add(session.argument());
        }
      }
    } else if (route.kind() == Route.Kind.UPLOAD && (done.getRequestMethod().equals(Methods.PUT)
        || done.getRequestMethod().equals(Methods.DELETE))
        && status != 416 && status != 401 && status != 403) {
      openUploads.remove(route.argument()); // committed, cancelled, discarded or unknown
    }
  }

  /** 503 with the spec's error body, written without blocking: this is an IO thread. */
  private static void refuse(HttpServerExchange ex) {
    ex.setStatusCode(503);
    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
    ex.getResponseHeaders().put(Headers.CONNECTION, "close");
    ex.getResponseHeaders().put(Headers.RETRY_AFTER, "5");
    ex.getResponseSender().send("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\""
        + ErrorCode.UNAVAILABLE.message() + "\",\"detail\":\"the mirror is shutting down\"}]}",
        StandardCharsets.UTF_8);
  }
}
