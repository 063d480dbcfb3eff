package dev.lading.transfer;

import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.registry.BlobSink;
import dev.lading.registry.ManifestResponse;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.RegistryException;
import dev.lading.store.BlobWriter;
import dev.lading.store.Store;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/** Reads an image from a registry; blobs go through the store's resumable writer. */
final class RegistrySource implements ImageSource {
  private final RegistryClient client;
  private final ImageReference ref;

  RegistrySource(RegistryClient client, ImageReference ref) {
    this.client = client;
    this.ref = ref;
  }

  @Override
  public RawDocument root() throws IOException {
    ManifestResponse response;
    try {
      response = client.getManifest(ref.registry(), ref.repository(), ref.tagOrDigest());
    } catch (RegistryException e) {
      throw notFound(e);
    }
    return new RawDocument(response.mediaType(), response.digest(), response.bytes());
  }

  /** An unknown tag or repository becomes one line naming what exists. */
  private IOException notFound(RegistryException e) {
    boolean unknownName = e.hasCode("NAME_UNKNOWN");
    if (!unknownName && !e.hasCode("MANIFEST_UNKNOWN") && e.status() != 404) {
      return e;
    }
    String what = "docker://" + ref;
    if (unknownName) {
      return new ImageNotFoundException(what + ": the repository " + ref.name()
          + " does not exist; check the image name", e);
    }
    String tags;
    try {
      List<String> list = client.listTags(ref.registry(), ref.repository());
      tags = list.isEmpty() ? "it has no tags" : "its tags: " + Listing.some(list);
    } catch (IOException | RuntimeException listingFailed) {
      tags = "its tags could not be listed";
    }
    return new ImageNotFoundException(what + ": no such " + (ref.digest() != null ? "digest" : "tag")
        + " in " + ref.name() + " (" + tags + "); check the tag", e);
  }

  @Override
  public byte[] manifest(Descriptor d) throws IOException {
    return client.getManifest(ref.registry(), ref.repository(), d.digest().toString()).bytes();
  }

  @Override
  public byte[] smallBlob(Descriptor d) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(d.size(), 1 << 20));
    try (BlobSink sink = BlobSink.of(out)) {
      client.fetchBlob(ref.registry(), ref.repository(), d, sink); // verifies size and digest
    }
    return out.toByteArray();
  }

  @Override
  public boolean fetchInto(Store store, Descriptor d, LongConsumer progress) throws IOException {
    if (store.has(d.digest())) {
      return false;
    }
    // Resumable: a pull killed midway continues from the partial download next time.
    try (BlobWriter writer = store.resumableWriter(d.digest())) {
      if (writer.alreadyStored()) {
        writer.commit();
        return false;
      }
      try (WriterSink sink = new WriterSink(store, writer, progress)) {
        client.fetchBlob(ref.registry(), ref.repository(), d, sink);
      } catch (DigestMismatchException e) {
        discard(writer, e);
        throw e;
      }
      writer.commit();
      return true;
    }
  }

  /**
   * Drops a partial download that turned out wrong, so the next pull starts afresh instead of resuming
   * bad bytes: a commit of mismatching content deletes the partial file.
   */
  private static void discard(BlobWriter writer, IOException cause) {
    try {
      writer.commit();
    } catch (IOException | RuntimeException expected) {
      if (!(expected instanceof DigestMismatchException)) {
        cause.addSuppressed(expected);
      }
    }
  }

  @Override
  public Optional<ImageReference> origin() {
    return Optional.of(ref);
  }

  /** Feeds a download into a store writer, resuming after the bytes it already holds. */
  private static final class WriterSink implements BlobSink {
    private final Path partial;
    private final BlobWriter writer;
    private final LongConsumer progress;

    WriterSink(Store store, BlobWriter writer, LongConsumer progress) {
      // The store keeps a resumable download at .lading/ingest/<hex>.partial; the client re-hashes
      // those bytes so it can verify the whole blob, not only what it fetches now.
      this.partial = store.root().resolve(".lading").resolve("ingest")
          .resolve(writer.expected().hex() + ".partial");
      this.writer = writer;
      this.progress = progress;
    }

    @Override
    public long position() {
      return writer.position();
    }

    @Override
    public InputStream readHeld() throws IOException {
      writer.flush();
      return Files.newInputStream(partial);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writer.write(b, off, len);
      progress.accept(writer.position());
    }

    @Override
    public void close() throws IOException {
      writer.flush();
    }
  }
}
