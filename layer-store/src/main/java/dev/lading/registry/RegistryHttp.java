package dev.lading.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionSpec;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The HTTP layer under {@link RegistryClient}: picks HTTPS or (where allowed) plain HTTP per host,
 * authenticates, follows redirects (never carrying {@code Authorization} to another origin), and
 * retries transient failures. It returns the final response whatever its status; the client decides
 * what a status means for its operation. Thread-safe.
 */
final class RegistryHttp {
  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_ERROR_BODY = 64 * 1024;

  /** Plain HTTP only: building it costs no TLS set-up (OkHttp loads the trust store eagerly). */
  private final OkHttpClient cleartext;
  /** TLS clients, built on first use: most commands against a local registry never need them. */
  private final Lazy<OkHttpClient> verifying;
  private final Lazy<OkHttpClient> trustingAll;
  private final Set<String> insecureHosts;
  private final String userAgent;
  private final RetryPolicy retry;
  private final Authenticator auth;
  /** The scheme each host answered on, found by the first request to it. */
  private final ConcurrentHashMap<String, String> schemes;
  /** The probe running for a host, if any. */
  private final ConcurrentHashMap<String, CompletableFuture<String>> probes;

  RegistryHttp(OkHttpClient base, Set<String> insecureHosts, String userAgent, RetryPolicy retry,
      CredentialProvider credentials) {
    // Redirects are ours to follow: only we know which headers may go to the next host.
    this.cleartext = base.newBuilder().followRedirects(false).followSslRedirects(false)
        .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT)).build();
    this.verifying = new Lazy<>(() -> cleartext.newBuilder()
        .connectionSpecs(List.of(ConnectionSpec.MODERN_TLS, ConnectionSpec.CLEARTEXT)).build());
    this.trustingAll = new Lazy<>(() -> trustAll(verifying.get()));
    this.insecureHosts = Set.copyOf(insecureHosts);
    this.userAgent = userAgent;
    this.retry = retry;
    this.auth = new Authenticator(credentials, this::sendToken);
    this.schemes = new ConcurrentHashMap<>();
    this.probes = new ConcurrentHashMap<>();
  }

  private RegistryHttp(RegistryHttp from, RetryPolicy retry) {
    this.cleartext = from.cleartext;
    this.verifying = from.verifying;
    this.trustingAll = from.trustingAll;
    this.insecureHosts = from.insecureHosts;
    this.userAgent = from.userAgent;
    this.auth = from.auth;
    this.schemes = from.schemes;
    this.probes = from.probes;
    this.retry = retry;
  }

  /** The same connections, tokens and known schemes, retrying as {@code policy} says. */
  RegistryHttp withRetry(RetryPolicy policy) {
    return new RegistryHttp(this, policy);
  }

  RetryPolicy retryPolicy() {
    return retry;
  }

  /** The User-Agent this client sends. */
  String userAgent() {
    return userAgent;
  }

  /** How this client retries. */
  RetryPolicy retry() {
    return retry;
  }

  /** True when plain HTTP (and unverified TLS) is allowed for a registry host. */
  boolean allowsInsecure(String host) {
    return RegistryHosts.isLoopback(host) || insecureHosts.contains(host)
        || insecureHosts.contains(RegistryHosts.withoutPort(host));
  }

  /** Sends an exchange with auth, redirects and retries; the caller closes the response. */
  Response send(Exchange ex) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Response response;
      try {
        response = sendAuthenticated(ex);
      } catch (LocalIOException local) {
        throw local;
      } catch (IOException e) {
        RegistryException failure = asRegistryException(ex.what(), ex.host(), e);
        if (!ex.retryable() || !failure.isTransient() || attempt >= retry.maxAttempts()) {
          throw failure;
        }
        pause(retry.delayBefore(attempt + 1, failure.retryAfter().orElse(null)));
        continue;
      }
      if (ex.retryable() && isTransientStatus(response.code()) && attempt < retry.maxAttempts()) {
        Duration retryAfter = retryAfter(response);
        response.close();
        pause(retry.delayBefore(attempt + 1, retryAfter));
        continue;
      }
      return response;
    }
  }

  /** The exception for an unexpected response; reads and closes it. */
  RegistryException failure(Exchange ex, Response response) {
    try (response) {
      byte[] body = readErrorBody(response);
      return RegistryException.of(ex.what(), RegistryHosts.displayName(ex.host()), response.code(), body,
          retryAfter(response));
    }
  }

  /** Waits between attempts; interruption aborts the operation. */
  void pause(Duration delay) throws InterruptedIOException {
    if (delay.isZero() || delay.isNegative()) {
      return;
    }
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
  }

  /** Wraps a transport failure in a user-facing exception (kept as is when it already is one). */
  static RegistryException asRegistryException(String what, String host, IOException e) {
    if (e instanceof RegistryException re) {
      return re;
    }
    String shown = RegistryHosts.displayName(host);
    if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
      return new RegistryException(what + ": interrupted", null, e);
    }
    if (e instanceof UnknownHostException) {
      return new RegistryException(what + ": unknown host " + shown,
          "check the registry name and your network/DNS", e);
    }
    if (e.getMessage() != null && e.getMessage().contains("authenticate with proxy")) {
      // OkHttp's words when a CONNECT tunnel got 407 and no (or refused) credentials were sent.
      return new RegistryException(what + ": the proxy refused the tunnel to " + shown,
          RegistryException.PROXY_AUTH_HINT, e);
    }
    if (e instanceof SSLException) {
      return new RegistryException(what + ": TLS failed with " + shown + " (" + e.getMessage() + ")",
          "if " + shown + " serves plain HTTP or a self-signed certificate, use --insecure /"
              + " allowInsecureRegistries for it", e);
    }
    return new RegistryException(what + ": no answer from " + shown + " (" + e + ")",
        "check that " + shown + " is reachable", e);
  }

  static boolean isTransientStatus(int code) {
    return code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
  }

  /** The server's {@code Retry-After} as a delay (seconds or an HTTP date), or null. */
  static Duration retryAfter(Response response) {
    String value = response.header("Retry-After");
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException unreadable) {
        return null;
      }
    }
  }

  private Response sendAuthenticated(Exchange ex) throws IOException {
    HttpUrl url = ex.onRegistryBase()
        ? ex.url().newBuilder().scheme(schemeFor(ex.host())).build()
        : ex.url();
    // An absolute URL the registry handed us (an upload Location, a next page) may name another
    // host, such as blob storage: the registry's credentials go only to the registry itself.
    boolean registry = ex.onRegistryBase() || isHost(url, ex.host());
    String authorization = registry ? auth.authorization(ex.host(), ex.scope()) : null;
    Response response = execute(ex, url, authorization);
    if (registry && response.code() == 401 && sameOrigin(response.request().url(), url)) {
      String retryWith = auth.onUnauthorized(ex.host(), ex.scope(), response.headers("WWW-Authenticate"),
          authorization);
      if (retryWith != null) {
        response.close();
        response = execute(ex, url, retryWith);
      }
    }
    return response;
  }

  /** True when {@code url} is on {@code host} ({@code name} or {@code name:port}, as registries are named). */
  static boolean isHost(HttpUrl url, String host) {
    int colon = host.lastIndexOf(':');
    boolean hasPort = colon > 0 && host.indexOf(']', colon) < 0 && host.substring(colon + 1).chars()
        .allMatch(Character::isDigit);
    String name = hasPort ? host.substring(0, colon) : host;
    if (name.startsWith("[") && name.endsWith("]")) {
      name = name.substring(1, name.length() - 1);
    }
    return url.host().equalsIgnoreCase(name)
        && (!hasPort || url.port() == Integer.parseInt(host.substring(colon + 1)));
  }

  private Response execute(Exchange ex, HttpUrl url, String authorization) throws IOException {
    HttpUrl current = url;
    String method = ex.method();
    okhttp3.RequestBody body = ex.body();
    for (int hop = 0; ; hop++) {
      Request.Builder request = new Request.Builder().url(current).headers(ex.headers())
          .header("User-Agent", userAgent)
          .method(method, body);
      // Blob storage behind a redirect (S3, GCS, a CDN) must never see the registry's credentials.
      if (authorization != null && sameOrigin(current, url)) {
        request.header("Authorization", authorization);
      }
      Response response = clientFor(current).newCall(request.build()).execute();
      int code = response.code();
      String location = response.header("Location");
      if (!(code == 301 || code == 302 || code == 303 || code == 307 || code == 308) || location == null) {
        return response;
      }
      HttpUrl next = current.resolve(location);
      response.close();
      if (next == null) {
        throw new RegistryException(ex.what() + ": redirected to an invalid URL '" + location + "'",
            null, null);
      }
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryException(ex.what() + ": more than " + MAX_REDIRECTS + " redirects", null, null);
      }
      if (code == 303 || ((code == 301 || code == 302) && !"HEAD".equals(method))) {
        method = "GET";
        body = null;
      }
      current = next;
    }
  }

  private static boolean sameOrigin(HttpUrl a, HttpUrl b) {
    return a.scheme().equals(b.scheme()) && a.host().equals(b.host()) && a.port() == b.port();
  }

  /** The client for {@code url}'s scheme and host (cleartext, verifying TLS, or trusting an insecure host). */
  OkHttpClient clientFor(HttpUrl url) {
    if (!url.isHttps()) {
      return cleartext;
    }
    String hostPort = url.host().contains(":") ? "[" + url.host() + "]:" + url.port()
        : url.host() + ":" + url.port();
    return allowsInsecure(hostPort) ? trustingAll.get() : verifying.get();
  }

  /** A value computed once, on first use, thread-safely. */
  private static final class Lazy<T> {
    private final java.util.function.Supplier<T> supplier;
    private volatile T value;

    Lazy(java.util.function.Supplier<T> supplier) {
      this.supplier = supplier;
    }

    T get() {
      T v = value;
      if (v == null) {
        synchronized (this) {
          v = value;
          if (v == null) {
            v = supplier.get();
            value = v;
          }
        }
      }
      return v;
    }
  }

  /**
   * HTTPS unless the host has been found to speak only plain HTTP. The first request to a host pings
   * {@code /v2/} over HTTPS (plain HTTP first for loopback hosts); only a host allowed to be insecure
   * may fall back to HTTP. The ping's 401
   * also tells the authenticator how the host wants to be authenticated.
   */
  private String schemeFor(String host) throws IOException {
    String known = schemes.get(host);
    if (known != null) {
      return known;
    }
    // One probe per host at a time: the parallel blob transfers that start a push would otherwise each
    // ping (and each pay a TLS handshake). Threads that arrive while it runs take its answer or its
    // failure; a later request after a failure probes again.
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> running = probes.putIfAbsent(host, mine);
    if (running == null) {
      try {
        known = schemes.get(host); // a probe may have finished between our two looks
        if (known == null) {
          known = probe(host);
          schemes.put(host, known);
        }
        mine.complete(known);
        return known;
      } catch (IOException | RuntimeException e) {
        mine.completeExceptionally(e);
        throw e;
      } finally {
        probes.remove(host, mine);
      }
    }
    try {
      return running.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("probing " + host + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + host + " to answer");
    }
  }

  private String probe(String host) throws IOException {
    if (RegistryHosts.isLoopback(host) && pingsPlainHttp(host)) {
      // A registry on this machine (a test registry, the mirror) nearly always speaks plain HTTP;
      // asking that first spares every command a failed TLS handshake and its start-up cost.
      return "http";
    }
    try {
      ping("https", host);
      return "https";
    } catch (SSLException | ConnectException httpsFailed) {
      if (!allowsInsecure(host)) {
        throw httpsFailed;
      }
    }
    ping("http", host);
    return "http";
  }

  /**
   * True when a loopback host answers {@code /v2/} over plain HTTP. A TLS server answers plain HTTP
   * with 400 (Go's "Client sent an HTTP request to an HTTPS server") or garbage: then it is HTTPS.
   */
  private boolean pingsPlainHttp(String host) {
    HttpUrl url = HttpUrl.get("http://" + host + "/v2/");
    Request request = new Request.Builder().url(url).header("User-Agent", userAgent).get().build();
    try (Response response = clientFor(url).newCall(request).execute()) {
      if (response.code() == 400) {
        return false;
      }
      if (response.code() == 401) {
        auth.learn(host, response.headers("WWW-Authenticate"));
      }
      return true;
    } catch (IOException notPlainHttp) {
      return false;
    }
  }

  private void ping(String scheme, String host) throws IOException {
    HttpUrl url = HttpUrl.get(scheme + "://" + host + "/v2/");
    Request request = new Request.Builder().url(url).header("User-Agent", userAgent).get().build();
    try (Response response = clientFor(url).newCall(request).execute()) {
      if (response.code() == 401) {
        auth.learn(host, response.headers("WWW-Authenticate"));
      }
    }
  }

  private Response sendToken(Request request, String host, String what) throws IOException {
    Request withAgent = request.newBuilder().header("User-Agent", userAgent).build();
    for (int attempt = 1; ; attempt++) {
      Response response;
      try {
        response = clientFor(withAgent.url()).newCall(withAgent).execute();
      } catch (IOException e) {
        RegistryException failure = asRegistryException(what, host, e);
        if (!failure.isTransient() || attempt >= retry.maxAttempts()) {
          throw failure;
        }
        pause(retry.delayBefore(attempt + 1, null));
        continue;
      }
      if (isTransientStatus(response.code()) && attempt < retry.maxAttempts()) {
        Duration retryAfter = retryAfter(response);
        response.close();
        pause(retry.delayBefore(attempt + 1, retryAfter));
        continue;
      }
      return response;
    }
  }

  private static byte[] readErrorBody(Response response) {
    ResponseBody body = response.body();
    if (body == null) {
      return new byte[0];
    }
    try {
      okio.BufferedSource source = body.source();
      source.request(MAX_ERROR_BODY); // buffers up to the limit, or all there is
      return source.getBuffer().readByteArray(Math.min(source.getBuffer().size(), MAX_ERROR_BODY));
    } catch (IOException e) {
      return new byte[0]; // the status alone still says what failed
    }
  }

  /**
   * A client that accepts any certificate and host name, used only for hosts the user allowed to be
   * insecure (and loopback), matching docker's meaning of "insecure registry".
   */
  private static OkHttpClient trustAll(OkHttpClient base) {
    X509TrustManager trustAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) { }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) { }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
      return base.newBuilder()
          .sslSocketFactory(context.getSocketFactory(), trustAll)
          .hostnameVerifier((hostname, session) -> true)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM has no TLS implementation", e);
    }
  }
}
