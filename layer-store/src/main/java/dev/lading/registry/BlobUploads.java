package dev.lading.registry;

import static dev.lading.registry.RegistryProtocol.BUFFER;
import static dev.lading.registry.RegistryProtocol.OCTET_STREAM;
import static dev.lading.registry.RegistryProtocol.apiHost;
import static dev.lading.registry.RegistryProtocol.checkRepository;
import static dev.lading.registry.RegistryProtocol.location;
import static dev.lading.registry.RegistryProtocol.url;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/**
 * Blob uploads for {@link RegistryClient}: monolithic or chunked, restarted in a fresh session on a
 * transient failure; cross-repository mounts.
 */
final class BlobUploads {
  private final RegistryHttp http;
  private final TransferListener listener;
  private final BlobDownloads downloads;
  private final long chunkedUploadThreshold;
  private final long chunkSize;

  BlobUploads(RegistryHttp http, TransferListener listener, BlobDownloads downloads,
      long chunkedUploadThreshold, long chunkSize) {
    this.http = http;
    this.listener = listener;
    this.downloads = downloads;
    this.chunkedUploadThreshold = chunkedUploadThreshold;
    this.chunkSize = chunkSize;
  }

  /** See {@link RegistryClient#mountBlob}. */
  boolean mountBlob(String host, String repository, Digest digest, String fromRepository)
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

  /** See {@link RegistryClient#pushBlob}. */
  boolean pushBlob(String host, String repository, Descriptor blob, BlobSource source)
      throws IOException {
    checkRepository(repository);
    checkSize(blob, source);
    if (downloads.blobSize(apiHost(host), repository, blob.digest(), AuthScope.push(repository)).isPresent()) {
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

  /** See {@link RegistryClient#uploadBlob}. */
  void uploadBlob(String host, String repository, Descriptor blob, BlobSource source)
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
}
