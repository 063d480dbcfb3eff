package dev.lading.registry;

import static dev.lading.registry.RegistryProtocol.apiHost;
import static dev.lading.registry.RegistryProtocol.baseType;
import static dev.lading.registry.RegistryProtocol.checkNames;
import static dev.lading.registry.RegistryProtocol.checkRepository;
import static dev.lading.registry.RegistryProtocol.contentLength;
import static dev.lading.registry.RegistryProtocol.mediaTypeOf;
import static dev.lading.registry.RegistryProtocol.nextPage;
import static dev.lading.registry.RegistryProtocol.readLimited;
import static dev.lading.registry.RegistryProtocol.url;
import static dev.lading.registry.RegistryProtocol.where;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.ConnectionSpec;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A client for the OCI Distribution API: manifests, blobs (resumable downloads, monolithic and
 * chunked uploads, cross-repository mounts), tags. Every operation names its registry host (with port,
 * e.g. {@code ghcr.io}, {@code 127.0.0.1:5000}; {@code docker.io} means Docker Hub) and repository.
 *
 * <p>Operations block and are thread-safe: one client is meant to be shared by parallel transfers.
 * Authentication (Basic, Bearer tokens with caching), HTTPS/HTTP choice, redirects and retries of
 * transient failures happen inside. Failures are {@link RegistryException}s whose message says what to
 * do; content that does not match its digest is a {@link DigestMismatchException}.
 */
public final class RegistryClient {
  /** The {@code User-Agent} sent unless the builder sets another. */
  public static final String DEFAULT_USER_AGENT = "lading/0.1.0";

  /** A manifest larger than this is refused (as containerd does): real ones are a few KiB. */
  private static final long MAX_MANIFEST_BYTES = 4L * 1024 * 1024;
  private static final long MAX_TAG_PAGE_BYTES = 16L * 1024 * 1024;
  private static final int MAX_TAG_PAGES = 10_000;

  /** Every manifest type we read, most preferred first. */
  private static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.OCI_INDEX,
      MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);

  private final RegistryHttp http;
  private final TransferListener listener;
  private final long chunkedUploadThreshold;
  private final long chunkSize;
  private final BlobDownloads downloads;
  private final BlobUploads uploads;

  private RegistryClient(Builder b) {
    this(httpFor(b), b.listener, b.chunkedUploadThreshold, b.chunkSize);
  }

  private static RegistryHttp httpFor(Builder b) {
    // Cleartext here: TLS is set up lazily by RegistryHttp, only when a registry needs it.
    OkHttpClient.Builder okhttpBuilder = new OkHttpClient.Builder()
        .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT))
        .connectTimeout(b.connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .readTimeout(b.readTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .writeTimeout(b.readTimeout.toMillis(), TimeUnit.MILLISECONDS);
    if (b.proxies != null) {
      ProxyRouting routing = new ProxyRouting(b.proxies);
      okhttpBuilder.proxySelector(routing).proxyAuthenticator(routing);
    }
    OkHttpClient okhttp = okhttpBuilder.build();
    return new RegistryHttp(okhttp, b.insecureHosts, b.userAgent, b.retryPolicy, b.credentials);
  }

  private RegistryClient(RegistryHttp http, TransferListener listener, long chunkedUploadThreshold,
      long chunkSize) {
    this.http = http;
    this.listener = listener;
    this.chunkedUploadThreshold = chunkedUploadThreshold;
    this.chunkSize = chunkSize;
    this.downloads = new BlobDownloads(http, listener);
    this.uploads = new BlobUploads(http, listener, downloads, chunkedUploadThreshold, chunkSize);
  }

  /**
   * This client (same connections, credentials and tokens) with another retry policy: for example
   * {@link RetryPolicy#none()} for an optional mirror, where a failure should fall back to the origin
   * at once instead of being retried.
   */
  public RegistryClient withRetryPolicy(RetryPolicy policy) {
    return new RegistryClient(http.withRetry(Objects.requireNonNull(policy, "policy")), listener,
        chunkedUploadThreshold, chunkSize);
  }

  /**
   * This client (same connections, credentials and tokens) reporting byte progress to {@code listener}:
   * for a front end that runs several commands against the same registries, each with its own output.
   */
  public RegistryClient withTransferListener(TransferListener listener) {
    return new RegistryClient(http, Objects.requireNonNull(listener, "listener"), chunkedUploadThreshold,
        chunkSize);
  }

  /**
   * Downloads a plain HTTP(S) URL (a Dockerfile's {@code ADD <url>}) through this client's proxies
   * and TLS settings, redirects followed, with its retries; no registry credential is sent.
   */
  public UrlDownload download(String url) throws IOException {
    HttpUrl parsed = HttpUrl.parse(url);
    if (parsed == null) {
      throw new IllegalArgumentException("not an http or https URL: " + url);
    }
    Response response = PlainDownloads.fetch(http, parsed, "GET " + url);
    java.util.Date modified = response.headers().getDate("Last-Modified");
    return new UrlDownload(response.body().byteStream(),
        Optional.ofNullable(modified).map(java.util.Date::toInstant), response.body().contentLength());
  }

  /**
   * An open download: its body, the server's {@code Last-Modified} time, and its length (-1 when
   * not announced). Closing it closes the connection.
   */
  public record UrlDownload(java.io.InputStream body, Optional<java.time.Instant> lastModified, long length)
      implements java.io.Closeable {
    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  /** The HTTP layer, for the other API resources' classes of this package ({@link Referrers}). */
  RegistryHttp http() {
    return http;
  }

  /** A builder with the defaults: anonymous, HTTPS only (except loopback), 5 attempts. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests

  /**
   * Fetches a manifest or index by tag or digest. The digest is computed over the bytes received and
   * checked against the requested digest (by digest) or the registry's {@code Docker-Content-Digest}.
   *
   * @throws RegistryException e.g. {@code MANIFEST_UNKNOWN} when the tag does not exist
   * @throws DigestMismatchException when the bytes do not match the digest they were served under
   */
  public ManifestResponse getManifest(String host, String repository, String tagOrDigest)
      throws IOException {
    String api = apiHost(host);
    checkNames(repository, tagOrDigest);
    String where = where(api, repository, tagOrDigest);
    Exchange ex = Exchange.of("GET manifest " + where, "GET", api,
        url(api, repository, "manifests", tagOrDigest), AuthScope.pull(repository))
        .header("Accept", ACCEPT_MANIFESTS);
    try (Response response = http.send(ex)) {
      if (response.code() != 200) {
        throw http.failure(ex, response);
      }
      byte[] bytes = readLimited(response.body(), MAX_MANIFEST_BYTES, ex.what());
      Digest actual = Digest.of(bytes);
      if (Digest.isDigest(tagOrDigest) && !Digest.parse(tagOrDigest).equals(actual)) {
        throw new DigestMismatchException("manifest " + where, Digest.parse(tagOrDigest), actual);
      }
      String announced = response.header("Docker-Content-Digest");
      if (announced != null && Digest.isDigest(announced.trim())
          && !Digest.parse(announced.trim()).equals(actual)) {
        throw new DigestMismatchException("manifest " + where + " (Docker-Content-Digest)",
            Digest.parse(announced.trim()), actual);
      }
      return new ManifestResponse(actual, mediaTypeOf(response.header("Content-Type"), bytes, ex.what()),
          bytes);
    }
  }

  /**
   * Looks a manifest up without downloading it (HEAD): its descriptor, or empty when the tag or digest
   * does not exist. Cheap, and not counted against Docker Hub's pull limit.
   */
  public Optional<Descriptor> headManifest(String host, String repository, String tagOrDigest)
      throws IOException {
    String api = apiHost(host);
    checkNames(repository, tagOrDigest);
    Exchange ex = Exchange.of("HEAD manifest " + where(api, repository, tagOrDigest), "HEAD", api,
        url(api, repository, "manifests", tagOrDigest), AuthScope.pull(repository))
        .header("Accept", ACCEPT_MANIFESTS);
    try (Response response = http.send(ex)) {
      if (response.code() == 404) {
        return Optional.empty();
      }
      if (response.code() != 200) {
        throw http.failure(ex, response);
      }
      String digest = response.header("Docker-Content-Digest");
      String type = baseType(response.header("Content-Type"));
      long length = contentLength(response);
      if (digest != null && Digest.isDigest(digest.trim()) && type != null && length >= 0) {
        return Optional.of(Descriptor.of(type, Digest.parse(digest.trim()), length));
      }
    }
    // The registry does not say enough on HEAD: ask for the manifest itself.
    return Optional.of(getManifest(host, repository, tagOrDigest).descriptor());
  }

  /**
   * Uploads a manifest under a tag (or under its digest) and returns its digest, checked against the
   * registry's {@code Docker-Content-Digest}. The blobs it references must be pushed first.
   */
  public Digest putManifest(String host, String repository, String tagOrDigest, byte[] manifest,
      String mediaType) throws IOException {
    return putManifest(host, repository, tagOrDigest, manifest, mediaType, headers -> { });
  }

  /** As {@link #putManifest}, and {@code answered} sees the headers of the registry's answer. */
  Digest putManifest(String host, String repository, String tagOrDigest, byte[] manifest,
      String mediaType, Consumer<Headers> answered) throws IOException {
    String api = apiHost(host);
    checkNames(repository, tagOrDigest);
    Objects.requireNonNull(mediaType, "mediaType");
    Digest digest = Digest.of(manifest);
    if (Digest.isDigest(tagOrDigest) && !Digest.parse(tagOrDigest).equals(digest)) {
      throw new IllegalArgumentException("cannot push a manifest with digest " + digest
          + " under the different digest " + tagOrDigest);
    }
    String where = where(api, repository, tagOrDigest);
    Exchange ex = Exchange.of("PUT manifest " + where, "PUT", api,
        url(api, repository, "manifests", tagOrDigest), AuthScope.push(repository))
        .body(RequestBody.create(manifest.clone(), MediaType.get(mediaType)));
    try (Response response = http.send(ex)) {
      if (!response.isSuccessful()) {
        throw http.failure(ex, response);
      }
      String stored = response.header("Docker-Content-Digest");
      if (stored != null && Digest.isDigest(stored.trim()) && !Digest.parse(stored.trim()).equals(digest)) {
        throw new DigestMismatchException("manifest " + where + " as stored by the registry", digest,
            Digest.parse(stored.trim()));
      }
      answered.accept(response.headers());
      return digest;
    }
  }

  /** Deletes a manifest by digest (the registry must allow deletes). */
  public void deleteManifest(String host, String repository, Digest digest) throws IOException {
    String api = apiHost(host);
    checkNames(repository, digest.toString());
    Exchange ex = Exchange.of("DELETE manifest " + where(api, repository, digest.toString()), "DELETE",
        api, url(api, repository, "manifests", digest.toString()), AuthScope.delete(repository));
    try (Response response = http.send(ex)) {
      if (!response.isSuccessful()) {
        throw http.failure(ex, response);
      }
    }
  }

  /** All tags of a repository, following the registry's {@code Link} pagination. */
  public List<String> listTags(String host, String repository) throws IOException {
    return listTags(host, repository, 0);
  }

  /** All tags of a repository, asking for pages of {@code pageSize} tags (0: the registry's default). */
  public List<String> listTags(String host, String repository, int pageSize) throws IOException {
    String api = apiHost(host);
    checkRepository(repository);
    HttpUrl first = url(api, repository, "tags", "list");
    if (pageSize > 0) {
      first = first.newBuilder().addQueryParameter("n", Integer.toString(pageSize)).build();
    }
    Exchange ex = Exchange.of("GET tags of " + RegistryHosts.displayName(api) + "/" + repository, "GET",
        api, first, AuthScope.pull(repository));
    List<String> tags = new ArrayList<>();
    for (int page = 0; page < MAX_TAG_PAGES; page++) {
      HttpUrl next;
      try (Response response = http.send(ex)) {
        if (response.code() != 200) {
          throw http.failure(ex, response);
        }
        JsonNode json = Json.mapper().readTree(readLimited(response.body(), MAX_TAG_PAGE_BYTES, ex.what()));
        JsonNode list = json == null ? null : json.get("tags");
        if (list != null && list.isArray()) {
          list.forEach(t -> tags.add(t.asText()));
        }
        next = nextPage(response);
      }
      if (next == null) {
        return List.copyOf(tags);
      }
      ex = ex.at(next);
    }
    throw new RegistryException(ex.what() + ": more than " + MAX_TAG_PAGES + " pages",
        "the registry's pagination does not end", null);
  }

  // ---------------------------------------------------------------------------------------------
  // Blobs

  /** The size of a blob in the repository (HEAD), or empty when the repository does not have it. */
  public Optional<Long> blobSize(String host, String repository, Digest digest) throws IOException {
    return downloads.blobSize(apiHost(host), repository, digest, AuthScope.pull(repository));
  }

  /** True when the repository has the blob. */
  public boolean blobExists(String host, String repository, Digest digest) throws IOException {
    return blobSize(host, repository, digest).isPresent();
  }

  /**
   * Downloads a blob into {@code sink}, continuing after the bytes the sink already holds. A connection
   * that drops mid-transfer is resumed with {@code Range: bytes=N-} (a {@code 206} must start at N; a
   * server that answers {@code 200} is read from the start and the held bytes are skipped). Redirects
   * to blob storage are followed without the registry's credentials.
   *
   * <p><b>Who verifies:</b> this method. It hashes the sink's held prefix and every new byte, and throws
   * {@link DigestMismatchException} (or a size error) unless the whole blob matches {@code blob}; the
   * caller must then discard what the sink holds. Nothing is verified incrementally, so the sink must
   * not be treated as good content before this method returns normally. A sink that
   * {@linkplain BlobSink#verifiesDigest() verifies the digest itself} is only checked for size here:
   * each byte is hashed once on its way in.
   */
  public void fetchBlob(String host, String repository, Descriptor blob, BlobSink sink)
      throws IOException {
    downloads.fetchBlob(host, repository, blob, sink);
  }

  /**
   * Tries to mount a blob from another repository of the same registry (no data moves). Returns true
   * when mounted ({@code 201}); false when the registry declined ({@code 202}: the upload session it
   * opened instead is cancelled), in which case the caller pushes the blob.
   */
  public boolean mountBlob(String host, String repository, Digest digest, String fromRepository)
      throws IOException {
    return uploads.mountBlob(host, repository, digest, fromRepository);
  }

  /**
   * Uploads a blob unless the repository already has it (HEAD first). Blobs up to the chunked-upload
   * threshold go in one {@code PUT}; larger ones in {@code PATCH} chunks, so that a failure costs one
   * chunk, not the whole blob, and proxies with body limits cope. Transient failures restart the
   * upload in a fresh session. Returns true when bytes were uploaded, false when the blob was there.
   */
  public boolean pushBlob(String host, String repository, Descriptor blob, BlobSource source)
      throws IOException {
    return uploads.pushBlob(host, repository, blob, source);
  }

  /**
   * Uploads a blob without asking first, as {@link #pushBlob} does after its HEAD: for a caller that
   * has just asked itself (and tried a mount), so that a new blob costs one round trip less.
   */
  public void uploadBlob(String host, String repository, Descriptor blob, BlobSource source)
      throws IOException {
    uploads.uploadBlob(host, repository, blob, source);
  }

  /**
   * Settings for a {@link RegistryClient}. Immutable: every method returns a new builder, so a
   * configured builder can be shared and extended safely.
   */
  public static final class Builder {
    private final CredentialProvider credentials;
    private final Set<String> insecureHosts;
    private final String userAgent;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final RetryPolicy retryPolicy;
    private final TransferListener listener;
    private final long chunkedUploadThreshold;
    private final long chunkSize;
    /** Null: the JVM's proxy settings. */
    private final ProxyConfig proxies;

    private Builder() {
      this(CredentialProvider.anonymous(), Set.of(), DEFAULT_USER_AGENT, Duration.ofSeconds(20),
          Duration.ofSeconds(60), RetryPolicy.DEFAULT, TransferListener.NONE, 64L * 1024 * 1024,
          16L * 1024 * 1024, null);
    }

    private Builder(CredentialProvider credentials, Set<String> insecureHosts, String userAgent,
        Duration connectTimeout, Duration readTimeout, RetryPolicy retryPolicy, TransferListener listener,
        long chunkedUploadThreshold, long chunkSize, ProxyConfig proxies) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      this.insecureHosts = Set.copyOf(insecureHosts);
      this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
      this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
      this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      this.listener = Objects.requireNonNull(listener, "listener");
      if (chunkSize <= 0 || chunkedUploadThreshold < 0) {
        throw new IllegalArgumentException("chunk size must be positive and the threshold not negative");
      }
      this.chunkedUploadThreshold = chunkedUploadThreshold;
      this.chunkSize = chunkSize;
      this.proxies = proxies;
    }

    /** Where credentials come from (default: anonymous). */
    public Builder credentials(CredentialProvider provider) {
      return new Builder(provider, insecureHosts, userAgent, connectTimeout, readTimeout, retryPolicy,
          listener, chunkedUploadThreshold, chunkSize, proxies);
    }

    /**
     * Allows a registry ({@code host} or {@code host:port}) to use plain HTTP or an unverified
     * certificate. HTTPS is still tried first. Loopback hosts are always allowed.
     */
    public Builder allowInsecure(String host) {
      Set<String> hosts = new LinkedHashSet<>(insecureHosts);
      hosts.add(host.toLowerCase(Locale.ROOT));
      return new Builder(credentials, hosts, userAgent, connectTimeout, readTimeout, retryPolicy,
          listener, chunkedUploadThreshold, chunkSize, proxies);
    }

    /** The {@code User-Agent} header (default {@value #DEFAULT_USER_AGENT}). */
    public Builder userAgent(String value) {
      return new Builder(credentials, insecureHosts, value, connectTimeout, readTimeout, retryPolicy,
          listener, chunkedUploadThreshold, chunkSize, proxies);
    }

    /** Connect timeout, and the longest silence while reading or writing (defaults 20 s / 60 s). */
    public Builder timeouts(Duration connect, Duration readWrite) {
      return new Builder(credentials, insecureHosts, userAgent, connect, readWrite, retryPolicy,
          listener, chunkedUploadThreshold, chunkSize, proxies);
    }

    /** How transient failures are retried (default {@link RetryPolicy#DEFAULT}). */
    public Builder retryPolicy(RetryPolicy policy) {
      return new Builder(credentials, insecureHosts, userAgent, connectTimeout, readTimeout, policy,
          listener, chunkedUploadThreshold, chunkSize, proxies);
    }

    /** Receives progress of blob transfers (default: none). */
    public Builder transferListener(TransferListener value) {
      return new Builder(credentials, insecureHosts, userAgent, connectTimeout, readTimeout, retryPolicy,
          value, chunkedUploadThreshold, chunkSize, proxies);
    }

    /**
     * Blobs larger than {@code threshold} bytes are uploaded in chunks of {@code chunkSize} bytes
     * (defaults 64 MiB and 16 MiB).
     */
    public Builder chunkedUploads(long threshold, long chunkBytes) {
      return new Builder(credentials, insecureHosts, userAgent, connectTimeout, readTimeout, retryPolicy,
          listener, threshold, chunkBytes, proxies);
    }

    /**
     * Sends requests through these HTTP proxies (default: the JVM's settings, {@code -Dhttps.proxyHost}
     * and friends; {@link ProxyConfig#DIRECT} for none). A proxy's 407 is answered with its credentials.
     */
    public Builder proxies(ProxyConfig value) {
      return new Builder(credentials, insecureHosts, userAgent, connectTimeout, readTimeout, retryPolicy,
          listener, chunkedUploadThreshold, chunkSize, Objects.requireNonNull(value, "proxies"));
    }

    public RegistryClient build() {
      return new RegistryClient(this);
    }
  }
}