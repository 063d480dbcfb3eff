package dev.lading.build;

import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.registry.BlobSink;
import dev.lading.registry.RegistryClient;
import dev.lading.store.BlobWriter;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Brings an absent blob into the store from the places it is known to come from (mirrors first,
 * then its origins), through the store's resumable writer: a killed download continues next time.
 */
public final class BlobFetcher {
  private final Store store;
  private final RegistryClient client;
  private final List<String> mirrors;
  private final BuildListener listener;

  /**
   * @param client null when offline: then only blobs already in the store are available
   * @param mirrors registry hosts ({@code host:port}) to try before each origin's own registry
   */
  public BlobFetcher(Store store, RegistryClient client, List<String> mirrors, BuildListener listener) {
    this.store = store;
    this.client = client;
    this.mirrors = List.copyOf(mirrors);
    this.listener = listener;
  }

  /**
   * Makes sure {@code blob} is in the store; returns true when it was downloaded now.
   *
   * @throws ImageNotAvailableException when offline, when no origin is known, or when every source
   *     failed (the last failure is the cause)
   */
  public boolean ensure(Descriptor blob) throws IOException {
    if (store.has(blob.digest())) {
      return false;
    }
    Set<String> origins = Origins.of(store.root()).get(blob.digest());
    if (client == null) {
      throw new ImageNotAvailableException("blob " + blob.digest() + " is not in the store "
          + store.root() + " and Maven is offline" + (origins.isEmpty() ? "" : " (it comes from "
          + String.join(", ", origins) + ")") + "; run once online, or run image:seed first");
    }
    if (origins.isEmpty()) {
      throw new ImageNotAvailableException("blob " + blob.digest() + " is not in the store "
          + store.root() + " and no registry is known to have it; rebuild the image online");
    }
    List<String[]> sources = new ArrayList<>();
    for (String origin : origins) {
      String[] hostRepo = Origins.split(origin);
      for (String mirror : mirrors) {
        sources.add(new String[] {mirror, hostRepo[1]});
      }
      sources.add(hostRepo);
    }
    IOException last = null;
    for (String[] source : sources) {
      try {
        fetch(source[0], source[1], blob);
        listener.blobDone("pulled", blob.digest(), blob.size());
        return true;
      } catch (IOException e) {
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
        if (mirrors.contains(source[0])) {
          listener.warn("mirror " + source[0] + " failed for blob " + blob.digest().shortHex() + " ("
              + e.getMessage() + "); trying the next source");
        }
      }
    }
    throw new ImageNotAvailableException("cannot fetch blob " + blob.digest() + " from "
        + String.join(", ", origins) + ": " + last.getMessage(), last);
  }

  /** Records {@code origin} ({@code host/repository}) for {@code blob}, then {@link #ensure}s it. */
  public boolean ensureFrom(Descriptor blob, String origin) throws IOException {
    Origins.of(store.root()).add(blob.digest(), origin);
    return ensure(blob);
  }

  private void fetch(String host, String repository, Descriptor blob) throws IOException {
    try (BlobWriter writer = store.resumableWriter(blob.digest())) {
      if (writer.alreadyStored()) {
        writer.commit();
        return;
      }
      try {
        client.fetchBlob(host, repository, blob, new WriterSink(store, writer));
      } catch (DigestMismatchException e) {
        try {
          writer.commit(); // deletes the partial download, so the next attempt starts clean
        } catch (DigestMismatchException expected) {
          // the bad bytes are gone
        }
        throw e;
      }
      writer.commit();
    }
  }

  /** Feeds a download into a resumable store writer, continuing after the bytes it holds. */
  private static final class WriterSink implements BlobSink {
    private final Path partial;
    private final BlobWriter writer;

    WriterSink(Store store, BlobWriter writer) {
      // The store keeps a resumable download at .lading/ingest/<hex>.partial; the client re-hashes it
      // to verify the whole blob, not only the bytes fetched now.
      this.partial = store.root().resolve(".lading").resolve("ingest")
          .resolve(writer.expected().hex() + ".partial");
      this.writer = writer;
    }

    @Override
    public long position() {
      return writer.position();
    }

    @Override
    public InputStream readHeld() throws IOException {
      writer.flush();
      return writer.position() == 0 ? InputStream.nullInputStream() : Files.newInputStream(partial);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writer.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      writer.flush();
    }
  }
}
