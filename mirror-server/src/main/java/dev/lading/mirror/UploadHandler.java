package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /v2/<name>/blobs/uploads/} and {@code .../uploads/<id>}: monolithic and chunked uploads,
 * cross-repository mounts, upload status and cancellation. Bytes go to a session file and become a
 * blob only after the digest is verified.
 */
final class UploadHandler implements ResourceHandler {
  /** {@code START-END} as the spec writes it, also in the RFC form {@code bytes START-END/TOTAL}. */
  private static final Pattern CONTENT_RANGE =
      Pattern.compile("(?:bytes )?(\\d{1,18})-(\\d{1,18})(?:/(?:\\d+|\\*))?");

  private final RegistryStorage storage;

  UploadHandler(RegistryStorage storage) {
    this.storage = storage;
  }

  @Override
  public void handle(HttpServerExchange ex, Route route) throws ApiException, IOException {
    String name = Http.name(route);
    if (route.kind() == Route.Kind.UPLOADS) {
      if (!ex.getRequestMethod().equals(Methods.POST)) {
        throw ErrorCode.UNSUPPORTED.with(ex.getRequestMethod()
            + " is not supported here; POST starts an upload");
      }
      start(ex, name);
      return;
    }
    RegistryStorage.Upload upload = storage.upload(route.argument()).orElseThrow(() ->
        ErrorCode.BLOB_UPLOAD_UNKNOWN.with("no upload session " + Http.printable(route.argument())));
    try {
      session(ex, name, upload);
    } catch (NoSuchFileException reclaimed) {
      // Cancelled or reclaimed as stale by another request or a gc between lookup and use.
      throw ErrorCode.BLOB_UPLOAD_UNKNOWN.with("upload session " + upload.id() + " is gone");
    }
  }

  private void session(HttpServerExchange ex, String name, RegistryStorage.Upload upload)
      throws ApiException, IOException {
    if (ex.getRequestMethod().equals(Methods.GET)) {
      status(ex, name, upload, 204);
    } else if (ex.getRequestMethod().equals(Methods.PATCH)) {
      append(ex, upload);
      status(ex, name, upload, 202);
    } else if (ex.getRequestMethod().equals(Methods.PUT)) {
      Digest digest = Http.digest(Http.query(ex, "digest"));
      append(ex, upload);
      try {
        upload.commit(digest);
      } catch (DigestMismatchException e) {
        throw ErrorCode.DIGEST_INVALID.with("the uploaded content hashes to " + e.actual()
            + ", not " + digest + "; the upload is discarded");
      }
      created(ex, name, digest);
    } else if (ex.getRequestMethod().equals(Methods.DELETE)) {
      upload.cancel();
      Http.empty(ex, 204);
    } else {
      throw ErrorCode.UNSUPPORTED.with(ex.getRequestMethod() + " is not supported on an upload");
    }
  }

  private void start(HttpServerExchange ex, String name) throws ApiException, IOException {
    String mount = Http.query(ex, "mount");
    // A blob this registry cannot hold cannot be mounted: a plain session, as for any failed mount.
    if (mount != null && !Http.isUnkeptAlgorithm(mount)) {
      Digest digest = Http.digest(mount);
      String from = Http.query(ex, "from");
      if (from != null) {
        Http.name(new Route(Route.Kind.BLOB, from, null));
      }
      // One store holds every repository's blobs: a mount is a lookup.
      if (storage.blob(digest).isPresent()) {
        created(ex, name, digest);
        return;
      }
    }
    String monolithic = Http.query(ex, "digest");
    if (monolithic != null && mount == null) {
      Digest digest = Http.digest(monolithic);
      try (InputStream in = ex.getInputStream()) {
        storage.putBlob(digest, in);
      } catch (DigestMismatchException e) {
        throw ErrorCode.DIGEST_INVALID.with("the uploaded content hashes to " + e.actual()
            + ", not " + digest);
      }
      created(ex, name, digest);
      return;
    }
    status(ex, name, storage.startUpload(), 202);
  }

  /** Appends the request body, if any, checking Content-Range against the session's size. */
  private static void append(HttpServerExchange ex, RegistryStorage.Upload upload)
      throws ApiException, IOException {
    String range = ex.getRequestHeaders().getFirst(Headers.CONTENT_RANGE);
    long offset = -1;
    long end = -1;
    if (range != null) {
      Matcher m = CONTENT_RANGE.matcher(range.trim());
      if (!m.matches() || Long.parseLong(m.group(2)) < Long.parseLong(m.group(1))) {
        throw ErrorCode.BLOB_UPLOAD_INVALID.with(416, "Content-Range '" + Http.printable(range)
            + "' is not <start>-<end>");
      }
      offset = Long.parseLong(m.group(1));
      end = Long.parseLong(m.group(2));
    }
    if (range == null && ex.getRequestContentLength() == 0) {
      return; // a PUT that only closes the upload
    }
    try (InputStream in = ex.getInputStream()) {
      long size = upload.append(in, offset);
      if (end >= 0 && size != end + 1) {
        // The bytes are kept (the client can ask where the upload stands); the chunk was short.
        throw ErrorCode.BLOB_UPLOAD_INVALID.with(416, "Content-Range said the chunk ends at byte "
            + end + " but the upload now ends at byte " + (size - 1));
      }
    } catch (RegistryStorage.OffsetMismatch e) {
      ex.getResponseHeaders().put(Headers.RANGE, "0-" + Math.max(0, e.size() - 1));
      throw ErrorCode.BLOB_UPLOAD_INVALID.with(416, "chunk starts at byte " + offset
          + " but the upload has " + e.size() + " bytes; send the chunk that starts there");
    }
  }

  private static void status(HttpServerExchange ex, String name, RegistryStorage.Upload upload,
      int status) throws IOException {
    long size = upload.size();
    ex.getResponseHeaders().put(Headers.LOCATION, "/v2/" + name + "/blobs/uploads/" + upload.id());
    ex.getResponseHeaders().put(Headers.RANGE, "0-" + Math.max(0, size - 1));
    ex.getResponseHeaders().put(Http.UPLOAD_UUID, upload.id());
    Http.empty(ex, status);
  }

  private static void created(HttpServerExchange ex, String name, Digest digest) {
    ex.getResponseHeaders().put(Headers.LOCATION, "/v2/" + name + "/blobs/" + digest);
    ex.getResponseHeaders().put(Http.CONTENT_DIGEST, digest.toString());
    Http.empty(ex, 201);
  }

}
