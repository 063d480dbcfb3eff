package dev.lading.mirror;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.server.handlers.HttpContinueAcceptingHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The registry: an Undertow server answering the OCI distribution API (pull, push, content discovery
 * and management) from a {@link RegistryStorage}. Requests are parsed on the IO threads and handled
 * on worker threads, where blocking disk I/O belongs; one handler per API resource, every refusal
 * turned into the spec's JSON error here.
 */
public final class MirrorServer implements AutoCloseable {
  /** Header blocks larger than this are refused by Undertow with a 4xx before any handler runs. */
  static final int MAX_HEADER_BYTES = 64 * 1024;
  /** The push-forwarding outbox's status document, outside the registry API's {@code /v2/}. */
  static final String STATUS_PATH = "/_lading/outbox";

  private final Undertow undertow;
  private final GracefulShutdownHandler shutdown;
  private final InetSocketAddress address;

  private MirrorServer(Undertow undertow, GracefulShutdownHandler shutdown) {
    this.undertow = undertow;
    this.shutdown = shutdown;
    this.address = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
  }

  /**
   * Starts serving {@code storage} on {@code host:port} (port 0: any free port, see
   * {@link #address()}); {@code log} receives one line per request.
   */
  public static MirrorServer start(RegistryStorage storage, String host, int port,
      Consumer<String> log) {
    return start(storage, host, port, null, ClientAuth.none(), log);
  }

  /**
   * Starts serving {@code storage} on {@code host:port}, over TLS when {@code tls} is not null, to
   * the clients {@code auth} lets in.
   */
  public static MirrorServer start(RegistryStorage storage, String host, int port, SSLContext tls,
      ClientAuth auth, Consumer<String> log) {
    Router router = new Router(storage, auth, log);
    // Clients that send 'Expect: 100-continue' with a body (curl does above 1 MiB) would otherwise
    // wait a second for the go-ahead before every upload.
    GracefulShutdownHandler shutdown =
        new GracefulShutdownHandler(new HttpContinueAcceptingHandler(router));
    Undertow.Builder builder = Undertow.builder();
    if (tls == null) {
      builder.addHttpListener(port, host);
    } else {
      builder.addHttpsListener(port, host, tls);
    }
    Undertow undertow = builder
        .setServerOption(UndertowOptions.MAX_HEADER_SIZE, MAX_HEADER_BYTES)
        // Blobs are streamed to disk whatever their size; manifests have their own limit.
        .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L)
        .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, true)
        .setHandler(shutdown)
        .build();
    undertow.start();
    return new MirrorServer(undertow, shutdown);
  }

  /** The address actually listened on. */
  public InetSocketAddress address() {
    return address;
  }

  /**
   * Stops taking requests, lets those in flight (uploads included) finish for up to
   * {@code graceMillis}, then stops.
   */
  public void stop(long graceMillis) {
    shutdown.shutdown();
    try {
      shutdown.awaitShutdown(graceMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    undertow.stop();
  }

  @Override
  public void close() {
    stop(30_000);
  }

  /** Picks the handler of the route, on a worker thread; logs; turns refusals into error bodies. */
  private static final class Router implements HttpHandler {
    private final RegistryStorage storage;
    private final ClientAuth auth;
    private final TokenHandler tokens;
    private final Consumer<String> log;

    Router(RegistryStorage storage, ClientAuth auth, Consumer<String> log) {
      this.storage = storage;
      this.auth = auth;
      this.tokens = new TokenHandler(auth);
      this.log = log;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
      long started = System.nanoTime();
      ex.addExchangeCompleteListener((done, next) -> {
        log.accept(String.format(Locale.ROOT, "%s %s %d %d %dms", done.getRequestMethod(),
            Http.printable(done.getRequestPath()), done.getStatusCode(), done.getResponseBytesSent(),
            (System.nanoTime() - started) / 1_000_000));
        next.proceed();
      });
      ex.dispatch(() -> handleBlocking(ex));
    }

    private void handleBlocking(HttpServerExchange ex) {
      ex.startBlocking();
      ex.getResponseHeaders().put(Http.API_VERSION, "registry/2.0");
      Route route = Route.of(ex.getRequestPath());
      // The request's own view: which upstream containerd meant (?ns=), where warnings go.
      RegistryStorage view = storage.forRequest(Http.query(ex, "ns"),
          text -> ex.getResponseHeaders().add(Http.WARNING, "110 - \"" + text + "\""));
      try {
        auth.authorize(ex, route);
        if (ex.getRequestPath().equals(ClientAuth.TOKEN_PATH)) {
          tokens.handle(ex);
          ex.endExchange();
          return;
        }
        if (ex.getRequestPath().equals(STATUS_PATH)) {
          status(ex);
          ex.endExchange();
          return;
        }
        try {
          ResourceHandler handler = switch (route.kind()) {
            case BASE -> (e, r) -> Http.body(e, 200, "application/json", Http.utf8("{}"));
            case CATALOG, TAGS -> new ListingHandler(view);
            case MANIFEST -> new ManifestHandler(view);
            case BLOB -> new BlobHandler(view);
            case UPLOADS, UPLOAD -> new UploadHandler(view);
            case REFERRERS -> new ReferrersHandler(view);
            case NONE -> (e, r) -> {
              throw ErrorCode.NAME_UNKNOWN.with("no such API endpoint: "
                  + Http.printable(e.getRequestPath()));
            };
          };
          handler.handle(ex, route);
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

    /** The forwarding outbox as JSON; 404 when pushes are not forwarded. */
    private void status(HttpServerExchange ex) throws ApiException, IOException {
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
}
