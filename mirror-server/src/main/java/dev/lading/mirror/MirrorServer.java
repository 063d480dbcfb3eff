package dev.lading.mirror;

import dev.lading.store.Store;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.handlers.HttpContinueAcceptingHandler;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The registry: an Undertow server answering the OCI distribution API (pull, push, content discovery
 * and management) from a {@link RegistryStorage}. Requests are parsed on the IO threads and handled
 * on worker threads, where blocking disk I/O belongs: {@link ShutdownGate} first, then
 * {@link RequestRouter}, which checks the client ({@link ClientAuth}) and picks one handler per API
 * resource.
 */
public final class MirrorServer implements AutoCloseable {
  /** Header blocks larger than this get 431 with the spec's error body. */
  static final int MAX_HEADER_BYTES = 64 * 1024;
  /** Beyond this Undertow stops reading and answers a bare 400: no memory for hostile headers. */
  static final int PARSER_HEADER_LIMIT = 1024 * 1024;

  /**
   * How a server runs beyond its storage and address: TLS (null: plain HTTP), which clients it lets
   * in, where it counts, the store whose size the status page shows (may be null), the log format.
   */
  public record Options(SSLContext tls, ClientAuth auth, MirrorMetrics metrics, Store store,
      RequestLog requestLog) {
    /** Plain HTTP, no users, fresh counters, text log lines. */
    public static Options defaults() {
      return new Options(null, ClientAuth.none(), new MirrorMetrics(), null,
          new RequestLog(RequestLog.Format.TEXT));
    }
  }

  private final Undertow undertow;
  private final ShutdownGate shutdown;
  private final InetSocketAddress address;

  private MirrorServer(Undertow undertow, ShutdownGate shutdown) {
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
    return start(storage, host, port, Options.defaults(), log);
  }

  /** Starts serving {@code storage} on {@code host:port} as {@code options} say. */
  public static MirrorServer start(RegistryStorage storage, String host, int port, Options options,
      Consumer<String> log) {
    RequestRouter router = new RequestRouter(storage, options, log);
    SSLContext tls = options.tls();
    // Clients that send 'Expect: 100-continue' with a body (curl does above 1 MiB) would otherwise
    // wait a second for the go-ahead before every upload.
    ShutdownGate shutdown = new ShutdownGate(new HttpContinueAcceptingHandler(router));
    Undertow.Builder builder = Undertow.builder();
    if (tls == null) {
      builder.addHttpListener(port, host);
    } else {
      builder.addHttpsListener(port, host, tls);
    }
    Undertow undertow = builder
        .setServerOption(UndertowOptions.MAX_HEADER_SIZE, PARSER_HEADER_LIMIT)
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
   * Stops taking requests, lets those in flight and the upload sessions already started finish for
   * up to {@code graceMillis}, then stops.
   */
  public void stop(long graceMillis) {
    shutdown.shutdown();
    try {
      shutdown.awaitDrained(graceMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    undertow.stop();
  }

  @Override
  public void close() {
    stop(30_000);
  }
}
