package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the mirror needs from storage: content-addressed blobs, manifests named by tag per
 * repository, and upload sessions that survive between requests. The Lading store implements it
 * ({@link StoreRegistryStorage}); an object store (S3) can later, without touching the handlers.
 *
 * <p>Names passed in are already validated against the distribution grammar by the handlers.
 */
public interface RegistryStorage {

  /** The file of a complete blob, to serve with zero copy; empty when absent. */
  Optional<Path> blob(Digest digest) throws IOException;

  /** The bytes of a small blob (a manifest); empty when absent. */
  Optional<byte[]> smallBlob(Digest digest) throws IOException;

  /** The manifest or index a tag of {@code repository} names. */
  Optional<Descriptor> tag(String repository, String tag) throws IOException;

  /** The tags of one repository, sorted as strings. */
  List<String> tags(String repository) throws IOException;

  /** The tags kept here, sorted, without asking any upstream (what the status page counts). */
  default List<String> storedTags(String repository) throws IOException {
    return tags(repository);
  }

  /** Every repository with at least one tag, sorted as strings. */
  List<String> repositories() throws IOException;

  /**
   * Stores a verified manifest and names it: by {@code tag}, or when {@code tag} is null by its
   * digest alone (kept alive until deleted, as registries keep manifests pushed by digest).
   *
   * @param required the blobs and manifests the manifest references, all of which must be present
   * @return the descriptor stored, or the first missing digest as a {@link MissingBlob}
   */
  Descriptor putManifest(String repository, String tag, String mediaType, byte[] bytes,
      List<Digest> required) throws IOException, MissingBlob;

  /**
   * The manifests of {@code repository}, by tag and by digest, each once; for the referrers API.
   */
  List<Descriptor> manifests(String repository) throws IOException;

  /**
   * The manifests of {@code repository} whose {@code subject} is {@code subject}, as the referrers
   * API lists them; {@code artifactType} (or null) may narrow the list, and the caller filters by it
   * again.
   */
  default List<Descriptor> referrers(String repository, Digest subject, String artifactType)
      throws IOException {
    return StoredReferrers.find(this, repository, subject);
  }

  /**
   * Whether {@code repository} holds the manifest {@code digest}: a tag of it names the manifest (or
   * it was pushed there by digest), or names an index that lists it. A manifest another repository
   * holds, or one deleted here, is not found here by digest (distribution-spec: "once deleted, a GET
   * ... will return a 404").
   */
  boolean holds(String repository, Digest digest) throws IOException;

  /** Removes a tag; false when there was none. */
  boolean deleteTag(String repository, String tag) throws IOException;

  /** Removes every name of {@code digest} in {@code repository}; false when it had none. */
  boolean deleteManifest(String repository, Digest digest) throws IOException;

  /** Stores a whole blob from a stream, verified against {@code expected}. */
  void putBlob(Digest expected, InputStream content) throws IOException, DigestMismatchException;

  /**
   * The storage as one request sees it: {@code namespace} is containerd's {@code ?ns=} (the registry
   * the client meant, or null) and {@code warnings} receives texts for {@code Warning} headers. Plain
   * storage ignores both.
   */
  default RegistryStorage forRequest(String namespace, Consumer<String> warnings) {
    return this;
  }

  /**
   * As {@link #forRequest(String, Consumer)}, and {@code fetched} is run when serving the request
   * needs another registry (a pull-through cache miss).
   */
  default RegistryStorage forRequest(String namespace, Consumer<String> warnings,
      Runnable fetched) {
    return forRequest(namespace, warnings);
  }

  /**
   * A manifest the storage lacks, brought in from elsewhere (pull-through) and stored; empty when
   * nowhere has it. Called by the handlers after a miss.
   */
  default Optional<byte[]> pullManifest(String repository, Digest digest) throws IOException {
    return Optional.empty();
  }

  /**
   * A blob the storage lacks, being brought in from elsewhere (pull-through), readable while it
   * arrives; empty when nowhere has it. Called by the handlers after a miss.
   */
  default Optional<IncomingBlob> pullBlob(String repository, Digest digest) throws IOException {
    return Optional.empty();
  }

  /**
   * A JSON document of the storage's background work (the push outbox), served at
   * {@code /_lading/outbox}; empty when it has none.
   */
  default Optional<byte[]> status() {
    return Optional.empty();
  }

  /** A blob on its way into the storage, shared by every request that asked for it meanwhile. */
  interface IncomingBlob {
    /** Its size in bytes. */
    long size();

    /**
     * Sends the whole blob as its bytes arrive. The last byte is held back until the blob's digest
     * is verified, so a source that serves other content fails this call (the client sees a short
     * body), never a complete wrong blob.
     */
    void sendTo(OutputStream out) throws IOException;

    /** Waits until the blob is stored; throws when bringing it in failed. */
    void await() throws IOException;
  }

  /** Starts an upload session. */
  Upload startUpload() throws IOException;

  /** An upload session by its id; empty when unknown, finished or reclaimed as stale. */
  Optional<Upload> upload(String id) throws IOException;

  /** A referenced blob or manifest the storage does not hold. */
  final class MissingBlob extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Digest digest;

    /** The absent digest. */
    public MissingBlob(Digest digest) {
      super("missing " + digest, null, false, false);
      this.digest = digest;
    }

    /** The digest that is not stored. */
    public Digest digest() {
      return digest;
    }
  }

  /**
   * One upload session: bytes appended in order by PATCH requests, then verified and published as
   * a blob by {@link #commit}. Until then nothing of it is visible as a blob.
   */
  interface Upload {
    /** The session id used in the upload URL: safe as one path segment. */
    String id();

    /** Bytes received so far. */
    long size() throws IOException;

    /**
     * Appends a chunk; {@code expectedOffset} (or -1 for any) must equal {@link #size()}.
     *
     * @return the new size
     * @throws OffsetMismatch when the chunk does not start where the previous one ended
     */
    long append(InputStream chunk, long expectedOffset) throws IOException, OffsetMismatch;

    /**
     * Verifies the bytes against {@code expected} and publishes them as a blob, ending the session.
     * On a mismatch the session ends too and nothing becomes visible.
     */
    void commit(Digest expected) throws IOException, DigestMismatchException;

    /** Ends the session, discarding its bytes. */
    void cancel() throws IOException;
  }

  /** A chunk that does not start at the session's current size. */
  final class OffsetMismatch extends Exception {
    private static final long serialVersionUID = 1L;
    private final long size;

    /** {@code size}: where the chunk should have started. */
    public OffsetMismatch(long size) {
      super("upload is at " + size, null, false, false);
      this.size = size;
    }

    /** The session's size, where the next chunk must start. */
    public long size() {
      return size;
    }
  }
}
