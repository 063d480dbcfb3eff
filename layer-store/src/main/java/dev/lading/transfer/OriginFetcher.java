package dev.lading.transfer;

import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.registry.BlobSink;
import dev.lading.registry.RegistryClient;
import dev.lading.store.BlobOrigin;
import dev.lading.store.BlobWriter;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Brings a blob the store lacks into it from the registries its {@linkplain Store#origins origin
 * records} name (each mirror first, then the origin itself), so images whose base layers were never
 * downloaded can still be copied, exported and unpacked. Every download goes through the store's
 * resumable writer: a killed download continues next time, and the whole blob is verified.
 */
public final class OriginFetcher {
  private final Store store;
  private final RegistryClient client;
  private final RegistryClient mirrorClient;
  private final Mirrors mirrors;

  /**
   * @param clientOrNull null when offline: then only blobs already in the store are available
   * @param mirrors registries to try, with the origin's repository, before each origin's own registry
   */
  public OriginFetcher(Store store, RegistryClient clientOrNull, Mirrors mirrors) {
    this.store = Objects.requireNonNull(store, "store");
    this.client = clientOrNull;
    this.mirrorClient = Mirrors.clientFor(clientOrNull);
    this.mirrors = Objects.requireNonNull(mirrors, "mirrors");
  }

  /**
   * Makes sure {@code blob} is complete in the store.
   *
   * @param progress receives the bytes held so far while bytes move
   * @return true when it was downloaded now
   * @throws BlobNotAvailableException when offline, when no origin is known, or when every source
   *     failed
   */
  public boolean ensure(Descriptor blob, LongConsumer progress) throws IOException {
    if (store.has(blob.digest())) {
      return false;
    }
    List<BlobOrigin> origins = store.origins(blob.digest());
    if (client == null) {
      throw new BlobNotAvailableException("blob " + blob.digest() + " is not in the store "
          + store.root() + " and registries may not be used (offline)" + (origins.isEmpty() ? ""
          : "; it comes from " + join(origins)) + ": run once online to fetch it");
    }
    if (origins.isEmpty()) {
      throw new BlobNotAvailableException("blob " + blob.digest() + " is not in the store "
          + store.root() + " and no registry is known to hold it; copy or build the image again"
          + " from its registry");
    }
    IOException last = null;
    for (BlobOrigin origin : origins) {
      for (String mirror : mirrors.usable()) {
        try {
          download(mirrorClient, store, new BlobOrigin(mirror, origin.repository()), blob, progress);
          return true;
        } catch (IOException e) {
          mirrors.failed(mirror, e);
          last = chain(e, last);
        }
      }
      try {
        download(client, store, origin, blob, progress);
        return true;
      } catch (IOException e) {
        last = chain(e, last);
      }
    }
    throw new BlobNotAvailableException("cannot fetch blob " + blob.digest() + " from " + join(origins)
        + ": " + last.getMessage(), last);
  }

  private static IOException chain(IOException latest, IOException earlier) {
    if (earlier != null) {
      latest.addSuppressed(earlier);
    }
    return latest;
  }

  private static String join(List<BlobOrigin> origins) {
    return String.join(", ", origins.stream().map(BlobOrigin::toString).toList());
  }

  /**
   * Downloads {@code blob} from {@code source} into {@code store} through its resumable writer,
   * continuing after the bytes an earlier attempt left. Content that does not match the digest is
   * dropped, so the next attempt starts clean instead of resuming bad bytes.
   *
   * @return true when bytes moved now (false when another writer completed it meanwhile)
   */
  static boolean download(RegistryClient client, Store store, BlobOrigin source, Descriptor blob,
      LongConsumer progress) throws IOException {
    try (BlobWriter writer = store.resumableWriter(blob.digest())) {
      if (writer.alreadyStored()) {
        writer.commit();
        return false;
      }
      try {
        client.fetchBlob(source.registry(), source.repository(), blob, new WriterSink(writer, progress));
        writer.commit(); // the one hash of the bytes: the writer verifies as it commits
      } catch (DigestMismatchException e) {
        writer.discard();
        throw new DigestMismatchException("blob " + source + "@" + blob.digest(), e.expected(), e.actual());
      }
      return true;
    }
  }

  /** Feeds a download into a store writer, resuming after the bytes it already holds. */
  private static final class WriterSink implements BlobSink {
    private final BlobWriter writer;
    private final LongConsumer progress;

    WriterSink(BlobWriter writer, LongConsumer progress) {
      this.writer = writer;
      this.progress = progress;
    }

    @Override
    public long position() {
      return writer.position();
    }

    @Override
    public InputStream readHeld() throws IOException {
      return writer.openHeld();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writer.write(b, off, len);
      progress.accept(writer.position());
    }

    @Override
    public boolean verifiesDigest() {
      return true; // BlobWriter.commit hashes what was written; nothing becomes visible before
    }

    @Override
    public void close() throws IOException {
      writer.flush();
    }
  }
}
