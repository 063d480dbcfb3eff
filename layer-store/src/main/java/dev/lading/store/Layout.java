package dev.lading.store;

import dev.lading.digest.Digest;
import java.nio.file.Path;

/**
 * Where everything lives in a store directory. The directory is a plain OCI image layout
 * ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}); Lading's private working files
 * live under {@code .lading/}, which OCI tools ignore.
 */
record Layout(Path root) {
  static final String OCI_LAYOUT = "oci-layout";
  static final String INDEX = "index.json";

  Path ociLayout() {
    return root.resolve(OCI_LAYOUT);
  }

  Path index() {
    return root.resolve(INDEX);
  }

  Path blobs() {
    return root.resolve("blobs").resolve(Digest.SHA256);
  }

  Path blob(Digest digest) {
    return blobs().resolve(digest.hex());
  }

  Path privateDir() {
    return root.resolve(".lading");
  }

  /** Temp files of blob writers; inside the layout so a rename into {@code blobs/} stays atomic. */
  Path tmp() {
    return privateDir().resolve("tmp");
  }

  /** Partial downloads of resumable writers, one per digest. */
  Path ingest() {
    return privateDir().resolve("ingest");
  }

  Path partial(Digest digest) {
    return ingest().resolve(digest.hex() + ".partial");
  }

  /** The refs, one file each: the source of truth that {@code index.json} is generated from. */
  Path refs() {
    return privateDir().resolve("refs");
  }

  /**
   * Repository tags of the registry mirror, one file per tag:
   * {@code repositories/<repository path>/_tags/<tag>}; see {@link RepositoryTags}.
   */
  Path repositories() {
    return privateDir().resolve("repositories");
  }

  /**
   * Where absent blobs can be fetched from: one file per digest listing {@code host/repository}
   * names, one a line.
   */
  Path origins() {
    return privateDir().resolve("origins");
  }

  Path origin(Digest digest) {
    return origins().resolve(digest.hex());
  }

  Path quarantine() {
    return privateDir().resolve("quarantine");
  }

  Path locks() {
    return privateDir().resolve("locks");
  }

  /** Held shared by writers (leases), exclusively by gc and by the clean-up of temp files. */
  Path leaseLock() {
    return locks().resolve("lease.lock");
  }

  /** Serialises changes of refs and the regeneration of {@code index.json}. */
  Path indexLock() {
    return locks().resolve("index.lock");
  }

  /** Serialises additions to origin records, so concurrent writers never lose one. */
  Path originsLock() {
    return locks().resolve("origins.lock");
  }

  Path ingestLocks() {
    return locks().resolve("ingest");
  }

  /** One writer at a time per partial download. */
  Path ingestLock(Digest digest) {
    return ingestLocks().resolve(digest.hex() + ".lock");
  }
}
