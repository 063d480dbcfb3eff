package dev.lading.registry;

import static dev.lading.registry.RegistryProtocol.BUFFER;
import static dev.lading.registry.RegistryProtocol.apiHost;
import static dev.lading.registry.RegistryProtocol.checkRepository;
import static dev.lading.registry.RegistryProtocol.contentLength;
import static dev.lading.registry.RegistryProtocol.contentRangeStart;
import static dev.lading.registry.RegistryProtocol.url;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.util.Optional;
import okhttp3.Response;

/** Blob lookups (HEAD) and resumable, verified downloads, for {@link RegistryClient}. */
final class BlobDownloads {
  private final RegistryHttp http;
  private final TransferListener listener;

  BlobDownloads(RegistryHttp http, TransferListener listener) {
    this.http = http;
    this.listener = listener;
  }

  Optional<Long> blobSize(String api, String repository, Digest digest, AuthScope scope)
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

  /** See {@link RegistryClient#fetchBlob}. */
  void fetchBlob(String host, String repository, Descriptor blob, BlobSink sink)
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
}
