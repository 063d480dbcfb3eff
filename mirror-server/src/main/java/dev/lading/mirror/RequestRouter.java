package dev.lading.mirror;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Picks the handler of a request's route, on a worker thread, after the client passed
 * {@link ClientAuth}; serves the mirror's own pages (token, outbox, metrics, status); counts and
 * logs each request; turns refusals into the spec's error bodies.
 */
final class RequestRouter implements HttpHandler {
  /** The push-forwarding outbox's status document, outside the registry API's {@code /v2/}. */
  static final String OUTBOX_PATH = "/_lading/outbox";
  /** Prometheus' conventional path. */
  static final String METRICS_PATH = "/metrics";
  /** Set when serving a request needed an upstream: a cache miss, whatever the status. */
  private static final AttachmentKey<Boolean> FETCHED = AttachmentKey.create(Boolean.class);

  private final RegistryStorage storage;
  private final ClientAuth auth;
  private final TokenHandler tokens;
  private final MirrorMetrics metrics;
  private final StatusPage statusPage;
  private final RequestLog requestLog;
  /** Where request lines go, already formatted. */
  private final Consumer<String> requestLines;
  /** Where the mirror's other messages go, formatted here. */
  private final Consumer<String> log;

  RequestRouter(RegistryStorage storage, MirrorServer.Options options, Consumer<String> log) {
    this.storage = storage;
    this.auth = options.auth();
    this.tokens = new TokenHandler(auth);
    this.metrics = options.metrics();
    this.statusPage = new StatusPage(storage, options.store(), metrics);
    this.requestLog = options.requestLog();
    this.requestLines = log;
    this.log = text -> log.accept(requestLog.message(text));
  }

  @Override
  public void handleRequest(HttpServerExchange ex) {
    long started = System.nanoTime();
    ex.addExchangeCompleteListener((done, next) -> {
      count(done);
      requestLines.accept(requestLog.line(done, System.nanoTime() - started));
      next.proceed();
    });
    ex.dispatch(() -> handleBlocking(ex));
  }

  private void handleBlocking(HttpServerExchange ex) {
    Route route = Route.of(ex.getRequestPath());
    if (route.kind() != Route.Kind.BLOB) {
      // BlobHandler starts it itself, except for stored blobs, which it sends without a worker
      // waiting on the socket; Http.body starts it for error answers.
      ex.startBlocking();
    }
    ex.getResponseHeaders().put(Http.API_VERSION, "registry/2.0");
    // The request's own view: which upstream containerd meant (?ns=), where warnings go.
    RegistryStorage view = storage.forRequest(Http.query(ex, "ns"),
        text -> ex.getResponseHeaders().add(Http.WARNING, "110 - \"" + text + "\""),
        () -> ex.putAttachment(FETCHED, true));
    try {
      checkHeaderSize(ex);
      auth.authorize(ex, route);
      if (ex.getRequestPath().equals(ClientAuth.TOKEN_PATH)) {
        tokens.handle(ex);
        ex.endExchange();
        return;
      }
      if (ex.getRequestPath().equals(OUTBOX_PATH)) {
        outbox(ex);
        ex.endExchange();
        return;
      }
      if (ex.getRequestPath().equals(METRICS_PATH) && Http.isRead(ex)) {
        Http.body(ex, 200, "text/plain; version=0.0.4; charset=utf-8", Http.utf8(metrics.render()));
        ex.endExchange();
        return;
      }
      if (ex.getRequestPath().equals(StatusPage.PATH) && Http.isRead(ex)) {
        Http.body(ex, 200, "text/html; charset=utf-8", Http.utf8(statusPage.render()));
        ex.endExchange();
        return;
      }
      BlobHandler blobs = null;
      try {
        ResourceHandler handler = switch (route.kind()) {
          case BASE -> (e, r) -> Http.body(e, 200, "application/json", Http.utf8("{}"));
          case CATALOG, TAGS -> new ListingHandler(view);
          case MANIFEST -> new ManifestHandler(view);
          case BLOB -> blobs = new BlobHandler(view);
          case UPLOADS, UPLOAD -> new UploadHandler(view);
          case REFERRERS -> new ReferrersHandler(view);
          case NONE -> (e, r) -> {
            throw ErrorCode.NAME_UNKNOWN.with("no such API endpoint: "
                + Http.printable(e.getRequestPath()));
          };
        };
        handler.handle(ex, route);
        if (blobs != null && blobs.sending()) {
          return; // the asynchronous sender ends the exchange after the last byte
        }
      } catch (IllegalArgumentException e) {
        // A value the handlers did not foresee, refused by the store's own checks: still bad input.
        throw ErrorCode.UNSUPPORTED.with(400, Http.printable(e.getMessage()));
      }
    } catch (ApiException e) {
      respond(ex, e);
    } catch (UpstreamUnavailableException e) {
      log.accept(ex.getRequestMethod() + " " + Http.printable(ex.getRequestPath()) + ": "
          + e.getMessage());
      ex.getResponseHeaders().add(Http.WARNING, "110 - \"upstream unreachable, not cached\"");
      if (Http.isHead(ex)) {
        // A HEAD is an existence check (a push asks before uploading): the store has no such thing.
        respond(ex, (route.kind() == Route.Kind.MANIFEST ? ErrorCode.MANIFEST_UNKNOWN
            : ErrorCode.BLOB_UNKNOWN).with(Http.printable(e.getMessage())));
      } else {
        respond(ex, ErrorCode.UNAVAILABLE.with(Http.printable(e.getMessage())));
      }
    } catch (ForwardFailedException e) {
      log.accept(ex.getRequestMethod() + " " + Http.printable(ex.getRequestPath()) + ": "
          + e.getMessage());
      respond(ex, ErrorCode.UNAVAILABLE.with(502, Http.printable(e.getMessage())));
    } catch (RequestTooBigException e) {
      respond(ex, ErrorCode.SIZE_INVALID.with(413, Http.printable(e.getMessage())));
    } catch (IOException | RuntimeException e) {
      log.accept("error: " + ex.getRequestMethod() + " " + Http.printable(ex.getRequestPath())
          + ": " + e);
      respond(ex, ErrorCode.UNSUPPORTED.with(500, "the mirror failed: " + e.getMessage()));
    }
    ex.endExchange();
  }

  /** 431 for a header block over {@link MirrorServer#MAX_HEADER_BYTES}, before anything else. */
  private static void checkHeaderSize(HttpServerExchange ex) throws ApiException {
    long bytes = ex.getRequestURI().length() + ex.getQueryString().length();
    for (HeaderValues values : ex.getRequestHeaders()) {
      for (String value : values) {
        bytes += values.getHeaderName().length() + value.length() + 4;
      }
    }
    if (bytes > MirrorServer.MAX_HEADER_BYTES) {
      throw ErrorCode.UNSUPPORTED.with(431, "the request's headers take " + bytes
          + " bytes, over the limit of " + MirrorServer.MAX_HEADER_BYTES);
    }
  }

  /** Counts a finished request: by status class, and manifest and blob reads as hits or misses. */
  private void count(HttpServerExchange done) {
    int status = done.getStatusCode();
    metrics.request(done.getRequestMethod().toString(), status, done.getResponseBytesSent());
    Route.Kind kind = Route.of(done.getRequestPath()).kind();
    if (!Http.isRead(done) || kind != Route.Kind.MANIFEST && kind != Route.Kind.BLOB) {
      return;
    }
    MirrorMetrics.Kind what = kind == Route.Kind.MANIFEST ? MirrorMetrics.Kind.MANIFEST
        : MirrorMetrics.Kind.BLOB;
    if (done.getAttachment(FETCHED) != null || status == 404) {
      metrics.miss(what);
    } else if (status / 100 == 2) {
      metrics.hit(what);
    }
  }

  /** The forwarding outbox as JSON; 404 when pushes are not forwarded. */
  private void outbox(HttpServerExchange ex) throws ApiException, IOException {
    byte[] doc = storage.status().orElseThrow(() -> ErrorCode.NAME_UNKNOWN.with(
        "pushes are not forwarded (no --upstream, or --forward off): there is no outbox"));
    Http.body(ex, 200, "application/json", doc);
  }

  private void respond(HttpServerExchange ex, ApiException e) {
    if (ex.isResponseStarted()) {
      return; // the status is gone; the client sees a short body
    }
    try {
      Http.error(ex, e);
    } catch (IOException unsendable) {
      // the client went away
    }
  }
}
