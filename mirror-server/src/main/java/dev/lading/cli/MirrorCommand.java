package dev.lading.cli;

import dev.lading.mirror.ClientAuth;
import dev.lading.mirror.ForwardSender;
import dev.lading.mirror.MirrorMetrics;
import dev.lading.mirror.MirrorServer;
import dev.lading.mirror.Outbox;
import dev.lading.mirror.PullThroughStorage;
import dev.lading.mirror.RegistryStorage;
import dev.lading.mirror.RequestLog;
import dev.lading.mirror.StoreRegistryStorage;
import dev.lading.mirror.Upstreams;
import dev.lading.registry.DockerConfigCredentials;
import dev.lading.registry.ProxyConfig;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.RetryPolicy;
import dev.lading.store.Store;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lading mirror}: serves the store as an OCI registry until stopped. */
@Command(name = "mirror", mixinStandardHelpOptions = true,
    description = {
        "Serve the store as an OCI registry (distribution API v1.1): pull, push, tag listing,"
            + " catalog, referrers, deletes. Images built into the store (e.g. localhost/app:1) are"
            + " served under their names; pushed images are visible as store:NAME.",
        "With --upstream, what the store lacks is pulled through from that registry, stored (as"
            + " store:NAME/REPOSITORY:TAG) and streamed to the client; cached images are served"
            + " when the upstream is down.",
        "Pushes by tag (and referrers by digest) are stored, acknowledged and, with an upstream,"
            + " forwarded to it (--forward);"
            + " GET /_lading/outbox lists the forwards pending.",
        "Without --htpasswd every client may push: listen on loopback or a trusted network only."
            + " GET /metrics (Prometheus) and /_lading/status show what it serves."},
    footer = {"", "Stop with Ctrl-C or SIGTERM: requests in flight and upload sessions already"
        + " started are finished first (up to --grace); other requests meanwhile get 503."})
final class MirrorCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin MirrorAccessOptions access;

  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:5000",
      description = "Address to listen on (default ${DEFAULT-VALUE}; port 0 picks a free port).")
  String listen;

  @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "30s",
      converter = DurationConverter.class,
      description = "How long a shutdown waits for requests in flight and upload sessions already"
          + " started (default ${DEFAULT-VALUE}).")
  java.time.Duration grace;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Settings from a file, one 'option = value' a line (the options without their"
          + " dashes: listen, upstream, ...; a repeatable one on several lines). Each option may also"
          + " come from LADING_MIRROR_<OPTION> (LADING_MIRROR_TAG_TTL=10m); the command line wins over"
          + " the environment, the environment over the file. Also LADING_MIRROR_CONFIG=FILE.")
  Path config;

  @Option(names = "--upstream", paramLabel = "NAME=URL", split = ",",
      description = "A registry to pull through from, e.g. docker.io=https://registry-1.docker.io"
          + " (repeatable, or comma-separated). Requests pick one by containerd's ?ns=HOST, else by a first path"
          + " component equal to NAME (/v2/docker.io/library/debian/...), else the one named"
          + " 'default' or the first. Credentials come from the docker config"
          + " (~/.docker/config.json, credential helpers).")
  List<String> upstreams = new ArrayList<>();

  @Option(names = "--tag-ttl", paramLabel = "DURATION", defaultValue = "5m",
      converter = DurationConverter.class,
      description = "How long a pulled-through tag is served before it is compared with the"
          + " upstream again (default ${DEFAULT-VALUE}); digests are never compared again.")
  Duration tagTtl;

  @Option(names = "--forward", paramLabel = "MODE",
      description = "What happens to a push by tag: async (acknowledged once stored, then forwarded"
          + " to the upstream it routes to from a durable outbox, retried until accepted), sync"
          + " (answered once the upstream accepted it; 502 if not, and it stays queued) or off (kept"
          + " here). Default: async with --upstream, else off.")
  String forward;

  @Option(names = "--forward-backoff-max", paramLabel = "DURATION", defaultValue = "1m",
      converter = DurationConverter.class,
      description = "The longest wait between two attempts of a failing forward; waits double from"
          + " 1s (default ${DEFAULT-VALUE}).")
  Duration forwardBackoffMax;

  @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
      description = "Request log lines as text (METHOD PATH STATUS BYTES MSms CLIENT USER) or json"
          + " (one object per line; the mirror's other messages too). Default ${DEFAULT-VALUE}.")
  String logFormat;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final MirrorMetrics metrics = new MirrorMetrics();
  private RequestLog requestLog;

  /** Held so the settings stick (JUL forgets loggers nobody references). */
  private final List<Logger> quietLoggers = List.of(Logger.getLogger("io.undertow"),
      Logger.getLogger("org.xnio"), Logger.getLogger("org.jboss"));

  @Override
  public Integer call() throws Exception {
    int colon = listen.lastIndexOf(':');
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      port = -1;
    }
    if (colon <= 0 || port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--listen must be HOST:PORT, e.g. 127.0.0.1:5000, not '" + listen + "'");
    }
    String host = listen.substring(0, colon).replaceAll("^\\[|\\]$", "");
    // They announce their versions at INFO; the start-up line below says what a user needs.
    quietLoggers.forEach(logger -> logger.setLevel(Level.WARNING));
    mode = forwardMode();
    try {
      requestLog = new RequestLog(RequestLog.Format.valueOf(logFormat.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--log-format must be text or json, not '" + logFormat + "'");
    }
    ClientAuth auth = access.clientAuth(spec.commandLine());
    SSLContext tls = access.tls(spec.commandLine());
    String warning = access.cleartextWarning(host);
    if (warning != null) {
      System.err.println(warning);
    }
    Store store = global.openStore();
    RegistryStorage storage = storage(store);
    MirrorServer server;
    try {
      server = MirrorServer.start(storage, host, port,
          new MirrorServer.Options(tls, auth, metrics, store, requestLog), line -> {
        if (!global.quiet) {
          System.out.println(line);
        }
      });
    } catch (RuntimeException e) {
      // Undertow wraps the bind failure; the user needs the address and what to do.
      if (e.getCause() instanceof IOException cause) {
        throw new IOException("cannot listen on " + listen + ": " + cause.getMessage()
            + " (is another server using it? choose another --listen)", e);
      }
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println(requestLog.message("lading mirror: stopping, finishing requests in flight"));
      server.stop(grace.toMillis());
      stopped.countDown();
    }, "lading-mirror-shutdown"));
    InetSocketAddress address = server.address();
    System.out.println(requestLog.message("lading mirror: serving " + store.root() + " at "
        + (tls == null ? "http" : "https") + "://" + hostForUrl(address) + ":"
        + address.getPort() + "/v2/"
        + (auth.enabled() ? " for the users of " + access.htpasswd
            + (access.authReads ? "" : " (reads anonymous)") : "")
        + (upstreams.isEmpty() ? "" : " pulling through from " + String.join(", ", upstreams))
        + ", forwarding pushes: " + mode.name().toLowerCase(java.util.Locale.ROOT)));
    System.out.flush();
    stopped.await();
    return 0;
  }

  private Outbox.Mode mode;

  /** An IPv6 address in brackets, as URLs want it (a wildcard listener is [0:0:0:0:0:0:0:0]). */
  private static String hostForUrl(InetSocketAddress address) {
    String host = address.getHostString();
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private Outbox.Mode forwardMode() {
    if (forward == null) {
      return upstreams.isEmpty() ? Outbox.Mode.OFF : Outbox.Mode.ASYNC;
    }
    Outbox.Mode m;
    try {
      m = Outbox.Mode.valueOf(forward.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--forward must be async, sync or off, not '" + forward + "'");
    }
    if (m != Outbox.Mode.OFF && upstreams.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--forward " + forward + " needs an --upstream to forward pushes to");
    }
    return m;
  }

  /** The store, with pull-through from the upstreams when there are any. */
  private RegistryStorage storage(Store store) throws IOException {
    StoreRegistryStorage local = new StoreRegistryStorage(store);
    if (upstreams.isEmpty()) {
      return local;
    }
    Upstreams parsed;
    try {
      parsed = Upstreams.parse(upstreams);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    RegistryClient.Builder client = RegistryClient.builder()
        .credentials(DockerConfigCredentials.fromEnvironment());
    for (Upstreams.Upstream u : parsed.all()) {
      if (u.insecure()) {
        client = client.allowInsecure(u.host());
      }
    }
    var proxies = ProxyConfig.fromEnvironment(System.getenv());
    if (proxies.isPresent()) {
      client = client.proxies(proxies.get());
    }
    // Manifests and tag checks: no retries and a short connect timeout, so that a cached tag is
    // served at once while the upstream is down, instead of after seconds of backoff.
    RegistryClient manifests = client.timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30))
        .retryPolicy(RetryPolicy.none()).build();
    Outbox outbox = null;
    if (mode != Outbox.Mode.OFF) {
      // Forward lines are printed even with -q: they are the only trace of background work.
      Consumer<String> forwardLog = line -> System.out.println(requestLog.message(line));
      // No retries inside: the outbox retries the whole forward with backoff.
      ForwardSender sender = new ForwardSender(store,
          client.timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60))
              .retryPolicy(RetryPolicy.none()).build(), forwardLog);
      outbox = Outbox.start(store, mode, sender, forwardBackoffMax, forwardLog);
      metrics.watch(outbox);
    }
    return new PullThroughStorage(local, parsed, client.build(), manifests, tagTtl, outbox, metrics,
        line -> {
          if (!global.quiet) {
            System.out.println(requestLog.message(line));
          }
        });
  }
}
