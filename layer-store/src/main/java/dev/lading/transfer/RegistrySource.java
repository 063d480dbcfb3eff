package dev.lading.transfer;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.registry.BlobSink;
import dev.lading.registry.ManifestResponse;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.RegistryException;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Reads an image from a registry; blobs go through the store's resumable writer, and each blob read is
 * recorded as held by this repository (an origin) for later mounts and fetches.
 */
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
    BlobOrigin here = new BlobOrigin(ref.registry(), ref.repository());
    boolean moved = !store.has(d.digest()) && OriginFetcher.download(client, store, here, d, progress);
    // Known now to live here: a later push to this registry can mount it instead of uploading.
    store.addOrigin(d.digest(), here);
    return moved;
  }

  @Override
  public Optional<GrowingBlob.Download> streamed(Descriptor d) {
    return Optional.of(sink -> client.fetchBlob(ref.registry(), ref.repository(), d, sink));
  }

  @Override
  public Optional<ImageReference> origin() {
    return Optional.of(ref);
  }
}
