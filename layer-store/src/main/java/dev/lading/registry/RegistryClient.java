package dev.lading.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.ConnectionSpec;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.BufferedSource;

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
  private static final int BUFFER = 64 * 1024;
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  /** Every manifest type we read, most preferred first. */
  private static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.OCI_INDEX,
      MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);

  private static final Pattern REPOSITORY = Pattern.compile(
      "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  // No '<' inside the URL or the parameters: each match attempt then stops at the next link, which
  // keeps the search linear in the header's length (a registry sends up to OkHttp's 256 KiB).
  private static final Pattern NEXT_LINK = Pattern.compile("<([^<>]*)>\\s*;[^,<]*rel=\"?next\"?");

  private final RegistryHttp http;
  private final TransferListener listener;
  private final long chunkedUploadThreshold;
  private final long chunkSize;

  private RegistryClient(Builder b) {
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
    this.http = new RegistryHttp(okhttp, b.insecureHosts, b.userAgent, b.retryPolicy, b.credentials);
    this.listener = b.listener;
    this.chunkedUploadThreshold = b.chunkedUploadThreshold;
    this.chunkSize = b.chunkSize;
  }

  private RegistryClient(RegistryHttp http, TransferListener listener, long chunkedUploadThreshold,
      long chunkSize) {
    this.http = http;
    this.listener = listener;
    this.chunkedUploadThreshold = chunkedUploadThreshold;
    this.chunkSize = chunkSize;
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
    return blobSize(apiHost(host), repository, digest, AuthScope.pull(repository));
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
    String api = apiHost(host);
    checkRepository(repository);
    String what = "GET blob " + RegistryHosts.displayName(api) + "/" + repository + "@" + blob.digest();
    long size = blob.size();
    MessageDigest md = sink.verifiesDigest() ? null : Digest.newSha256();
    long[] have = {primeWithHeldBytes(sink, md, size, what)};
    if (have[0] > 0) {
      listener.onProgress(blob.digest(), have[0], size);
    }
    RetryPolicy retry = http.retryPolicy();
    int failuresInARow = 0;
    while (have[0] < size) {
      long before = have[0];
      try {
        receive(what, api, repository, blob, sink, md, have);
      } catch (RegistryException | LocalIOException definite) {
        throw definite; // refused, or already retried by the transport, or our own disk failed
      } catch (InterruptedIOException e) {
        if (!(e instanceof SocketTimeoutException)) {
          throw e;
        }
        failuresInARow = countFailure(what, api, have[0] > before, failuresInARow, retry, e);
      } catch (IOException dropped) {
        // The connection died mid-body: resume from what we have.
        failuresInARow = countFailure(what, api, have[0] > before, failuresInARow, retry, dropped);
      }
    }
    if (md == null) {
      return; // the sink verifies the digest
    }
    Digest actual = Digest.fromRaw(md.digest());
    if (!actual.equals(blob.digest())) {
      throw new DigestMismatchException("blob " + RegistryHosts.displayName(api) + "/" + repository + "@"
          + blob.digest(), blob.digest(), actual);
    }
  }

  /**
   * Tries to mount a blob from another repository of the same registry (no data moves). Returns true
   * when mounted ({@code 201}); false when the registry declined ({@code 202}: the upload session it
   * opened instead is cancelled), in which case the caller pushes the blob.
   */
  public boolean mountBlob(String host, String repository, Digest digest, String fromRepository)
      throws IOException {
    String api = apiHost(host);
    checkRepository(repository);
    checkRepository(fromRepository);
    AuthScope scope = AuthScope.push(repository).plus("repository:" + fromRepository + ":pull");
    HttpUrl url = url(api, repository, "blobs", "uploads", "").newBuilder()
        .addQueryParameter("mount", digest.toString())
        .addQueryParameter("from", fromRepository)
        .build();
    Exchange ex = Exchange.of("mount blob " + digest + " from " + fromRepository + " into "
        + RegistryHosts.displayName(api) + "/" + repository, "POST", api, url, scope)
        .body(RequestBody.create(new byte[0], null));
    HttpUrl session;
    try (Response response = http.send(ex)) {
      if (response.code() == 201) {
        return true;
      }
      if (response.code() != 202) {
        throw http.failure(ex, response);
      }
      session = location(response, ex.what());
    }
    cancelUpload(api, session, scope);
    return false;
  }

  /**
   * Uploads a blob unless the repository already has it (HEAD first). Blobs up to the chunked-upload
   * threshold go in one {@code PUT}; larger ones in {@code PATCH} chunks, so that a failure costs one
   * chunk, not the whole blob, and proxies with body limits cope. Transient failures restart the
   * upload in a fresh session. Returns true when bytes were uploaded, false when the blob was there.
   */
  public boolean pushBlob(String host, String repository, Descriptor blob, BlobSource source)
      throws IOException {
    checkRepository(repository);
    checkSize(blob, source);
    if (blobSize(apiHost(host), repository, blob.digest(), AuthScope.push(repository)).isPresent()) {
      return false;
    }
    uploadBlob(host, repository, blob, source);
    return true;
  }

  private static void checkSize(Descriptor blob, BlobSource source) throws IOException {
    long size = source.size();
    if (size != blob.size()) {
      throw new IllegalArgumentException("the content for " + blob.digest() + " has " + size
          + " bytes but its descriptor says " + blob.size());
    }
  }

  /**
   * Uploads a blob without asking first, as {@link #pushBlob} does after its HEAD: for a caller that
   * has just asked itself (and tried a mount), so that a new blob costs one round trip less.
   */
  public void uploadBlob(String host, String repository, Descriptor blob, BlobSource source)
      throws IOException {
    String api = apiHost(host);
    checkRepository(repository);
    checkSize(blob, source);
    AuthScope scope = AuthScope.push(repository);
    RetryPolicy retry = http.retryPolicy();
    for (int attempt = 1; ; attempt++) {
      try {
        upload(api, repository, blob, source, scope);
        return;
      } catch (RegistryException e) {
        if (!e.isTransient() || attempt >= retry.maxAttempts()) {
          throw e;
        }
        http.pause(retry.delayBefore(attempt + 1, e.retryAfter().orElse(null)));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  private Optional<Long> blobSize(String api, String repository, Digest digest, AuthScope scope)
      throws IOException {
    checkRepository(repository);
    Exchange ex = Exchange.of("HEAD blob " + RegistryHosts.displayName(api) + "/" + repository + "@"
        + digest, "HEAD", api, url(api, repository, "blobs", digest.toString()), scope);
    try (Response response = http.send(ex)) {
      if (response.code() == 404) {
        return Optional.empty();
      }
      if (response.code() != 200) {
        throw http.failure(ex, response);
      }
      return Optional.of(contentLength(response));
    }
  }

  /** Hashes what the sink already holds (unless {@code md} is null); returns how much that is. */
  private static long primeWithHeldBytes(BlobSink sink, MessageDigest md, long size, String what)
      throws IOException {
    long held = sink.position();
    if (held > size) {
      throw new LocalIOException(what + ": the partial download holds " + held
          + " bytes, more than the blob's " + size + "; discard it and download again", null);
    }
    if (held == 0 || md == null) {
      return held;
    }
    long read = 0;
    try (InputStream in = sink.readHeld()) {
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) != -1; ) {
        md.update(buffer, 0, n);
        read += n;
      }
    }
    if (read != held) {
      throw new LocalIOException(what + ": the partial download claims " + held + " bytes but holds "
          + read, null);
    }
    return held;
  }

  /** One GET (or ranged GET) of a blob; appends to the sink and advances {@code have[0]}. */
  private void receive(String what, String api, String repository, Descriptor blob, BlobSink sink,
      MessageDigest md, long[] have) throws IOException {
    long size = blob.size();
    Exchange ex = Exchange.of(what, "GET", api, url(api, repository, "blobs", blob.digest().toString()),
        AuthScope.pull(repository))
        // Byte ranges must address the blob itself, not a compressed transfer encoding of it.
        .header("Accept-Encoding", "identity");
    if (have[0] > 0) {
      ex = ex.header("Range", "bytes=" + have[0] + "-");
    }
    try (Response response = http.send(ex)) {
      long skip;
      long expectedLength;
      if (response.code() == 206 && have[0] > 0) {
        String range = response.header("Content-Range");
        if (contentRangeStart(range) != have[0]) {
          throw new RegistryException(what + ": asked for bytes " + have[0] + "- but got Content-Range '"
              + range + "'", "the registry's range support is broken; delete the partial download and"
              + " try again", null);
        }
        skip = 0;
        expectedLength = size - have[0];
      } else if (response.code() == 200) {
        skip = have[0]; // the server ignored Range: drop the bytes we already hold
        expectedLength = size;
      } else {
        throw http.failure(ex, response);
      }
      long length = contentLength(response);
      if (length >= 0 && length != expectedLength) {
        throw new RegistryException(what + ": the registry sends " + (length + size - expectedLength)
            + " bytes but the descriptor says " + size, "the manifest and the registry disagree; the"
            + " image is corrupt at the registry", null);
      }
      InputStream in = response.body().byteStream();
      in.skipNBytes(skip);
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) != -1; ) {
        if (have[0] + n > size) {
          throw new RegistryException(what + ": the registry sends more than the " + size
              + " bytes the descriptor says", "the manifest and the registry disagree", null);
        }
        try {
          sink.write(buffer, 0, n);
        } catch (IOException e) {
          throw new LocalIOException(what + ": cannot write the download", e);
        }
        if (md != null) {
          md.update(buffer, 0, n);
        }
        have[0] += n;
        listener.onProgress(blob.digest(), have[0], size);
      }
      if (have[0] < size) {
        throw new EOFException("the blob ended after " + have[0] + " of " + size + " bytes");
      }
    }
  }

  /** Counts a dropped download; progress since the last drop resets the count. */
  private int countFailure(String what, String api, boolean progressed, int failuresInARow,
      RetryPolicy retry, IOException cause) throws IOException {
    int failures = progressed ? 1 : failuresInARow + 1;
    if (failures >= retry.maxAttempts()) {
      throw RegistryHttp.asRegistryException(what + " (gave up after " + failures
          + " interrupted attempts)", api, cause);
    }
    http.pause(retry.delayBefore(failures + 1, null));
    return failures;
  }

  private void upload(String api, String repository, Descriptor blob, BlobSource source, AuthScope scope)
      throws IOException {
    String what = "upload blob " + blob.digest() + " to " + RegistryHosts.displayName(api) + "/"
        + repository;
    Exchange start = Exchange.of(what + " (start)", "POST", api,
        url(api, repository, "blobs", "uploads", ""), scope)
        .body(RequestBody.create(new byte[0], null));
    HttpUrl location;
    try (Response response = http.send(start)) {
      if (response.code() != 202) {
        throw http.failure(start, response);
      }
      location = location(response, start.what());
    }
    long size = blob.size();
    RequestBody finalBody;
    if (size <= chunkedUploadThreshold) {
      finalBody = sourceBody(source, blob, 0, size);
    } else {
      for (long offset = 0; offset < size; ) {
        long length = Math.min(chunkSize, size - offset);
        long last = offset + length - 1;
        Exchange patch = Exchange.to(what + " (chunk " + offset + "-" + last + ")", "PATCH", api, location,
            scope).notRetryable()
            .header("Content-Range", offset + "-" + last)
            .body(sourceBody(source, blob, offset, length));
        try (Response response = http.send(patch)) {
          if (response.code() != 202) {
            throw http.failure(patch, response);
          }
          String range = response.header("Range");
          if (range != null && !range.trim().endsWith("-" + last)) {
            throw new RegistryException(patch.what() + ": the registry holds " + range
                + " after this chunk", "the upload got out of step; it will be restarted", null);
          }
          location = location(response, patch.what());
        }
        offset += length;
      }
      finalBody = RequestBody.create(new byte[0], OCTET_STREAM);
    }
    HttpUrl commit = location.newBuilder().addQueryParameter("digest", blob.digest().toString()).build();
    Exchange put = Exchange.to(what + " (commit)", "PUT", api, commit, scope).notRetryable()
        .body(finalBody);
    try (Response response = http.send(put)) {
      if (response.code() != 201 && response.code() != 204) {
        throw http.failure(put, response);
      }
      String stored = response.header("Docker-Content-Digest");
      if (stored != null && Digest.isDigest(stored.trim()) && !Digest.parse(stored.trim()).equals(blob.digest())) {
        throw new DigestMismatchException("blob uploaded to " + RegistryHosts.displayName(api) + "/"
            + repository, blob.digest(), Digest.parse(stored.trim()));
      }
    }
  }

  private void cancelUpload(String api, HttpUrl session, AuthScope scope) {
    try (Response ignored = http.send(Exchange.to("cancel upload", "DELETE", api, session, scope)
        .notRetryable())) {
      // Best effort: an abandoned session only wastes a little space until the registry expires it.
    } catch (IOException ignored) {
      // same
    }
  }

  /** A request body streaming {@code length} bytes of the source from {@code offset}. */
  private RequestBody sourceBody(BlobSource source, Descriptor blob, long offset, long length) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return OCTET_STREAM;
      }

      @Override
      public long contentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        InputStream in;
        try {
          in = source.openAt(offset);
        } catch (IOException e) {
          throw new LocalIOException("cannot read blob " + blob.digest() + " for upload", e);
        }
        try (in) {
          byte[] buffer = new byte[BUFFER];
          long left = length;
          while (left > 0) {
            int n;
            try {
              n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            } catch (IOException e) {
              throw new LocalIOException("cannot read blob " + blob.digest() + " for upload", e);
            }
            if (n < 0) {
              throw new LocalIOException("blob " + blob.digest() + " ended " + left
                  + " bytes early: its content changed during the upload", null);
            }
            sink.write(buffer, 0, n);
            left -= n;
            listener.onProgress(blob.digest(), offset + length - left, blob.size());
          }
        }
      }
    };
  }

  private static HttpUrl location(Response response, String what) throws RegistryException {
    String location = response.header("Location");
    // Location may be relative to the request (the spec allows it; distribution sends absolute ones).
    HttpUrl resolved = location == null ? null : response.request().url().resolve(location);
    if (resolved == null) {
      throw new RegistryException(what + ": the registry answered " + response.code()
          + " without a usable Location ('" + location + "')", "the registry does not follow the"
          + " distribution API", null);
    }
    return resolved;
  }

  private static HttpUrl nextPage(Response response) {
    return nextPage(response.request().url(), response.headers("Link"));
  }

  /**
   * The page that {@code Link: <url>; rel="next"} values point to, resolved against the request's
   * URL; null when there is none (or it is not a usable URL).
   */
  static HttpUrl nextPage(HttpUrl request, List<String> links) {
    for (String link : links) {
      Matcher m = NEXT_LINK.matcher(link);
      if (m.find()) {
        return request.resolve(m.group(1));
      }
    }
    return null;
  }

  /** The first byte of a {@code Content-Range: bytes first-last/size} value, or -1 when it is not one. */
  static long contentRangeStart(String value) {
    Matcher m = value == null ? null : CONTENT_RANGE.matcher(value.trim());
    if (m == null || !m.matches()) {
      return -1;
    }
    try {
      return Long.parseLong(m.group(1));
    } catch (NumberFormatException beyondLong) {
      return -1; // more digits than a long holds: no blob is that large
    }
  }

  private static String mediaTypeOf(String contentType, byte[] bytes, String what) throws IOException {
    String type = baseType(contentType);
    if (type != null && MediaTypes.MANIFEST_TYPES.contains(type)) {
      return type;
    }
    // Some registries serve application/json; the document then names its own type.
    try {
      JsonNode json = Json.mapper().readTree(bytes);
      if (json != null && json.hasNonNull("mediaType")) {
        return json.get("mediaType").asText();
      }
    } catch (IOException notJson) {
      throw new RegistryException(what + ": the manifest is not JSON", "the registry served something"
          + " that is not an image manifest; check the image name", notJson);
    }
    if (type != null && !type.equals("application/json") && !type.equals("text/plain")) {
      return type;
    }
    throw new RegistryException(what + ": the manifest names no media type and was served as "
        + contentType, "the image uses a manifest format lading does not read", null);
  }

  private static String baseType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    String base = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return base.isEmpty() ? null : base.toLowerCase(Locale.ROOT);
  }

  private static long contentLength(Response response) {
    String value = response.header("Content-Length");
    try {
      return value == null ? -1 : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static byte[] readLimited(ResponseBody body, long limit, String what) throws IOException {
    if (body.contentLength() > limit) {
      throw new RegistryException(what + ": the answer has " + body.contentLength()
          + " bytes, more than the " + limit + " accepted", "this is not a normal registry answer", null);
    }
    BufferedSource source = body.source();
    if (source.request(limit + 1)) {
      throw new RegistryException(what + ": the answer has more than the " + limit + " bytes accepted",
          "this is not a normal registry answer", null);
    }
    return source.readByteArray();
  }

  private static HttpUrl url(String api, String repository, String... tail) {
    HttpUrl.Builder b = HttpUrl.get("https://" + api + "/v2/").newBuilder().addPathSegments(repository);
    for (String segment : tail) {
      b.addPathSegment(segment);
    }
    return b.build();
  }

  private static String apiHost(String host) {
    Objects.requireNonNull(host, "host");
    if (host.isBlank() || host.contains("/")) {
      throw new IllegalArgumentException("not a registry host: '" + host + "' (expected host[:port])");
    }
    return RegistryHosts.apiHost(host);
  }

  private static String where(String api, String repository, String reference) {
    return RegistryHosts.displayName(api) + "/" + repository
        + (Digest.isDigest(reference) ? "@" : ":") + reference;
  }

  private static void checkRepository(String repository) {
    Objects.requireNonNull(repository, "repository");
    if (repository.length() > 255 || !REPOSITORY.matcher(repository).matches()) {
      throw new IllegalArgumentException("not a repository name: '" + repository
          + "' (lower-case letters, digits and . _ - separators, path parts joined by /)");
    }
  }

  private static void checkNames(String repository, String reference) {
    checkRepository(repository);
    Objects.requireNonNull(reference, "tagOrDigest");
    if (!TAG.matcher(reference).matches() && !Digest.isDigest(reference)) {
      throw new IllegalArgumentException("not a tag or sha256 digest: '" + reference + "'");
    }
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
