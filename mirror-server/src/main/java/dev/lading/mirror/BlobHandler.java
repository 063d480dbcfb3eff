package dev.lading.mirror;

import dev.lading.digest.Digest;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /v2/<name>/blobs/<digest>}: GET and HEAD, whole or one byte range, streamed from the blob's
 * file. The file is opened before the headers are sent, so a gc that deletes it afterwards cannot cut
 * the response short: the open file stays readable.
 *
 * <p>A stored blob (whole or a range) is sent with Undertow's asynchronous sender: {@code sendfile}
 * whenever the socket takes more, and no worker thread held while it does not. With blocking sends,
 * each download held one of the server's few workers (16 on two cores) for its whole length, so the
 * 17th concurrent client waited for the first to finish, and slow clients starved fast ones. The
 * router called this handler without starting blocking I/O for that reason; every other answer here
 * starts it ({@link Http#startBlocking}). A blob still arriving from upstream is streamed blocking,
 * as before.
 */
final class BlobHandler implements ResourceHandler {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final RegistryStorage storage;
  /** Set once a response was handed to the asynchronous sender, which ends the exchange itself. */
  private boolean sending;

  BlobHandler(RegistryStorage storage) {
    this.storage = storage;
  }

  /**
   * Whether the response is being sent asynchronously: the exchange ends when the last byte went
   * out (or the client went away), not when {@link #handle} returns.
   */
  boolean sending() {
    return sending;
  }

  @Override
  public void handle(HttpServerExchange ex, Route route) throws ApiException, IOException {
    String name = Http.name(route);
    if (ex.getRequestMethod().equals(Methods.DELETE)) {
      // Blobs are shared by every repository and by the builds using the store.
      throw ErrorCode.UNSUPPORTED.with("blobs are shared by all repositories of the store: delete"
          + " manifests or tags, then `lading store gc` removes blobs nothing needs");
    }
    if (!ex.getRequestMethod().equals(Methods.GET) && !ex.getRequestMethod().equals(Methods.HEAD)) {
      throw ErrorCode.UNSUPPORTED.with(ex.getRequestMethod() + " is not supported on blobs");
    }
    Digest digest = Http.storedDigest(route.argument(), ErrorCode.BLOB_UNKNOWN, "no blob ");
    Optional<Path> stored = storage.blob(digest);
    if (stored.isEmpty()) {
      RegistryStorage.IncomingBlob incoming = storage.pullBlob(name, digest).orElseThrow(() ->
          ErrorCode.BLOB_UNKNOWN.with("no blob " + digest + " (asked for in " + name + ")"));
      if (ex.getRequestHeaders().getFirst(Headers.RANGE) == null) {
        sendIncoming(ex, digest, incoming);
        return;
      }
      // A range of a blob still arriving: served once the blob is whole, like any stored one.
      incoming.await();
      stored = storage.blob(digest);
    }
    Path file = stored.orElseThrow(() ->
        ErrorCode.BLOB_UNKNOWN.with("no blob " + digest + " (asked for in " + name + ")"));
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException goneMeanwhile) {
      throw ErrorCode.BLOB_UNKNOWN.with("no blob " + digest);
    }
    boolean handedOff = false;
    try {
      handedOff = send(ex, digest, channel);
    } finally {
      if (!handedOff) {
        channel.close();
      }
    }
  }

  /** The whole blob, streamed while it arrives from upstream. */
  private static void sendIncoming(HttpServerExchange ex, Digest digest,
      RegistryStorage.IncomingBlob incoming) throws IOException {
    Http.startBlocking(ex);
    ex.getResponseHeaders().put(Http.CONTENT_DIGEST, digest.toString());
    ex.getResponseHeaders().put(Headers.ETAG, "\"" + digest + "\"");
    ex.getResponseHeaders().put(Headers.ACCEPT_RANGES, "bytes");
    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
    ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, incoming.size());
    ex.setStatusCode(200);
    if (!Http.isHead(ex)) {
      incoming.sendTo(ex.getOutputStream());
    }
  }

  /**
   * Answers from the open blob file; true when its bytes were handed to the asynchronous sender,
   * which then owns {@code channel} and closes it at the end.
   */
  private boolean send(HttpServerExchange ex, Digest digest, FileChannel channel)
      throws ApiException, IOException {
    long size = channel.size();
    ex.getResponseHeaders().put(Http.CONTENT_DIGEST, digest.toString());
    ex.getResponseHeaders().put(Headers.ETAG, "\"" + digest + "\"");
    ex.getResponseHeaders().put(Headers.ACCEPT_RANGES, "bytes");
    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
    long start = 0;
    long length = size;
    String range = ex.getRequestHeaders().getFirst(Headers.RANGE);
    Matcher m = range == null ? null : RANGE.matcher(range.trim());
    // A Range we cannot read (several ranges, other units) is ignored, as RFC 9110 allows.
    if (m != null && m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
      long[] span = span(m.group(1), m.group(2), size);
      if (span == null) {
        ex.getResponseHeaders().put(Headers.CONTENT_RANGE, "bytes */" + size);
        throw ErrorCode.BLOB_UNKNOWN.with(416, "range " + Http.printable(range)
            + " is outside the blob of " + size + " bytes");
      }
      start = span[0];
      length = span[1] - span[0] + 1;
      ex.getResponseHeaders().put(Headers.CONTENT_RANGE,
          "bytes " + span[0] + "-" + span[1] + "/" + size);
      ex.setStatusCode(206);
    } else {
      ex.setStatusCode(200);
    }
    ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, length);
    if (Http.isHead(ex) || length == 0) {
      Http.startBlocking(ex);
      return false;
    }
    // The sender sends from the channel's position to its size(): the window bounds a range.
    FileChannel body = start == 0 && length == size ? channel
        : new FileWindow(channel, start, start + length);
    // Closed however the exchange ends, also when the connection drops while the sender waits.
    ex.addExchangeCompleteListener((done, next) -> {
      closeQuietly(channel);
      next.proceed();
    });
    ex.getResponseSender().transferFrom(body, new IoCallback() {
      @Override
      public void onComplete(HttpServerExchange done, Sender sender) {
        closeQuietly(channel);
        IoCallback.END_EXCHANGE.onComplete(done, sender);
      }

      @Override
      public void onException(HttpServerExchange done, Sender sender, IOException failure) {
        closeQuietly(channel);
        IoCallback.END_EXCHANGE.onException(done, sender, failure);
      }
    });
    sending = true;
    return true;
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // a read-only file: nothing was lost
    }
  }

  /** First and last byte of {@code bytes=first-last}, or null when no byte of it exists. */
  private static long[] span(String first, String last, long size) {
    try {
      if (first.isEmpty()) { // the last N bytes
        long n = Long.parseLong(last);
        return n == 0 || size == 0 ? null : new long[] {Math.max(0, size - n), size - 1};
      }
      long from = Long.parseLong(first);
      long to = last.isEmpty() ? size - 1 : Math.min(Long.parseLong(last), size - 1);
      return from >= size || to < from ? null : new long[] {from, to};
    } catch (NumberFormatException tooLong) {
      return null;
    }
  }
}
