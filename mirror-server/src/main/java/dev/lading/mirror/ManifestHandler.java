package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.ManifestDocument;
import dev.lading.store.Store;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code /v2/<name>/manifests/<tag or digest>}: GET, HEAD, PUT, DELETE. Manifests are stored and
 * served byte for byte as pushed, with the media type they declare.
 */
final class ManifestHandler implements ResourceHandler {
  /** Larger documents are refused, as distribution does: no image needs one, and they are read whole. */
  static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  private final RegistryStorage storage;

  ManifestHandler(RegistryStorage storage) {
    this.storage = storage;
  }

  @Override
  public void handle(HttpServerExchange ex, Route route) throws ApiException, IOException {
    String name = Http.name(route);
    String reference = route.argument();
    if (ex.getRequestMethod().equals(Methods.GET) || ex.getRequestMethod().equals(Methods.HEAD)) {
      get(ex, name, reference);
    } else if (ex.getRequestMethod().equals(Methods.PUT)) {
      put(ex, name, reference);
    } else if (ex.getRequestMethod().equals(Methods.DELETE)) {
      delete(ex, name, reference);
    } else {
      throw ErrorCode.UNSUPPORTED.with(ex.getRequestMethod() + " is not supported on manifests");
    }
  }

  private static boolean isDigest(String reference) {
    return reference.contains(":");
  }

  private void get(HttpServerExchange ex, String name, String reference)
      throws ApiException, IOException {
    Digest digest;
    String type = null;
    if (isDigest(reference)) {
      digest = Http.storedDigest(reference, ErrorCode.MANIFEST_UNKNOWN, "no manifest " + name + "@");
    } else {
      if (!Store.isTagName(reference)) {
        throw ErrorCode.MANIFEST_UNKNOWN.with("no manifest " + name + ":" + Http.printable(reference)
            + " (not a valid tag)");
      }
      Descriptor d = storage.tag(name, reference).orElseThrow(() ->
          ErrorCode.MANIFEST_UNKNOWN.with("no manifest " + name + ":" + reference));
      digest = d.digest();
      type = d.mediaType();
    }
    // By tag, the tag says it is here; by digest, the repository must hold it (or pull it through).
    Optional<byte[]> found = type != null || storage.holds(name, digest) ? manifestBytes(digest)
        : Optional.empty();
    if (found.isEmpty() && type == null) {
      found = storage.pullManifest(name, digest);
    }
    byte[] bytes = found.orElseThrow(() ->
        ErrorCode.MANIFEST_UNKNOWN.with("no manifest " + name + "@" + digest));
    if (type == null) {
      try {
        type = ManifestDocument.parse(bytes, null).contentType();
      } catch (RuntimeException notAManifest) {
        throw ErrorCode.MANIFEST_UNKNOWN.with(digest + " is a blob, not a manifest");
      }
    }
    ex.getResponseHeaders().put(Http.CONTENT_DIGEST, digest.toString());
    ex.getResponseHeaders().put(Headers.ETAG, "\"" + digest + "\"");
    Http.body(ex, 200, type, bytes);
  }

  /** The bytes of a stored document small enough to be a manifest. */
  private Optional<byte[]> manifestBytes(Digest digest) throws IOException {
    Optional<Path> file = storage.blob(digest);
    if (file.isEmpty() || Files.size(file.get()) > MAX_MANIFEST_BYTES) {
      return Optional.empty();
    }
    return storage.smallBlob(digest);
  }

  private void put(HttpServerExchange ex, String name, String reference)
      throws ApiException, IOException {
    Digest pinned = null;
    if (isDigest(reference)) {
      pinned = Http.digest(reference);
    } else if (!Store.isTagName(reference)) {
      throw ErrorCode.MANIFEST_INVALID.with("invalid tag '" + Http.printable(reference)
          + "': 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
    }
    long announced = ex.getRequestContentLength();
    if (announced > MAX_MANIFEST_BYTES) {
      throw ErrorCode.MANIFEST_INVALID.with(413, "manifest of " + announced + " bytes is larger"
          + " than the limit of " + MAX_MANIFEST_BYTES);
    }
    byte[] bytes = ex.getInputStream().readNBytes(MAX_MANIFEST_BYTES + 1);
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw ErrorCode.MANIFEST_INVALID.with(413, "manifest is larger than the limit of "
          + MAX_MANIFEST_BYTES + " bytes");
    }
    ManifestDocument doc;
    try {
      doc = ManifestDocument.parse(bytes, ex.getRequestHeaders().getFirst(Headers.CONTENT_TYPE));
    } catch (RuntimeException e) {
      throw ErrorCode.MANIFEST_INVALID.with(Http.printable(e.getMessage()));
    }
    Digest actual = Digest.of(bytes);
    if (pinned != null && !pinned.equals(actual)) {
      throw ErrorCode.DIGEST_INVALID.with("the manifest's digest is " + actual + ", not " + pinned);
    }
    Descriptor subject;
    List<Digest> required = new ArrayList<>();
    if (doc instanceof ImageManifest m) {
      required.add(m.config().digest());
      for (Descriptor layer : m.layers()) {
        if (layer.urls() == null || layer.urls().isEmpty()) { // foreign layers live elsewhere
          required.add(layer.digest());
        }
      }
      subject = m.subject();
    } else {
      ImageIndex index = (ImageIndex) doc;
      index.manifests().forEach(child -> required.add(child.digest()));
      subject = index.subject();
    }
    Descriptor stored;
    try {
      stored = storage.putManifest(name, pinned == null ? reference : null, doc.contentType(),
          bytes, required);
    } catch (RegistryStorage.MissingBlob e) {
      throw ErrorCode.MANIFEST_BLOB_UNKNOWN.with("the manifest references " + e.digest()
          + ", which was not pushed");
    }
    ex.getResponseHeaders().put(Headers.LOCATION, "/v2/" + name + "/manifests/" + stored.digest());
    ex.getResponseHeaders().put(Http.CONTENT_DIGEST, stored.digest().toString());
    if (subject != null) {
      // Tells the client that this registry indexes referrers, so it need not keep a fallback tag.
      ex.getResponseHeaders().put(Http.OCI_SUBJECT, subject.digest().toString());
    }
    Http.empty(ex, 201);
  }

  private void delete(HttpServerExchange ex, String name, String reference)
      throws ApiException, IOException {
    boolean deleted;
    if (isDigest(reference)) {
      deleted = storage.deleteManifest(name, Http.digest(reference));
    } else {
      deleted = Store.isTagName(reference) && storage.deleteTag(name, reference);
    }
    if (!deleted) {
      throw ErrorCode.MANIFEST_UNKNOWN.with("no manifest " + name + " " + Http.printable(reference));
    }
    Http.empty(ex, 202);
  }
}
