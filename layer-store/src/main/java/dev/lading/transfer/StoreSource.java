package dev.lading.transfer;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.store.Store;
import dev.lading.store.StoreRef;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * An image named by a ref of the transfer's own store. Its blobs are there, except those the store
 * deliberately lacks (base layers a build never downloaded): they come from their origins.
 */
final class StoreSource implements ImageSource {
  private final Store store;
  private final StoreLocation location;
  private final OriginFetcher origins;

  StoreSource(Store store, StoreLocation location, OriginFetcher origins) {
    this.store = store;
    this.location = location;
    this.origins = origins;
  }

  @Override
  public RawDocument root() throws IOException {
    Optional<Descriptor> d = store.ref(location.ref());
    if (d.isEmpty()) {
      d = repositoryTag(store, location);
    }
    if (d.isEmpty()) {
      List<String> names = store.refs().stream().map(StoreRef::name).toList();
      throw new ImageNotFoundException("the store " + store.root() + " has no image " + location.ref()
          + "; copy it there first (lading copy docker://" + location.ref() + " " + location.text() + ")"
          + (names.isEmpty() ? "" : "; it holds: " + Listing.some(names)));
    }
    return new RawDocument(d.get().mediaType(), d.get().digest(), store.bytes(d.get().digest()));
  }

  /**
   * The repository tag the registry mirror set for a pushed image, when no ref has the name: a push
   * of {@code app:1} or {@code localhost/app:1} to the mirror is {@code store:app:1} or
   * {@code store:localhost/app:1} here. The location's name is normalised ({@code app} became
   * {@code docker.io/library/app}), so the forms a pusher may have used are tried in turn.
   */
  static Optional<Descriptor> repositoryTag(Store store, StoreLocation location) throws IOException {
    Optional<ImageReference> parsed = location.reference();
    if (parsed.isEmpty() || parsed.get().tag() == null || parsed.get().digest() != null) {
      return Optional.empty();
    }
    ImageReference r = parsed.get();
    List<String> candidates = new java.util.ArrayList<>(List.of(r.name()));
    if (ImageReference.DOCKER_HUB.equals(r.registry())) {
      candidates.add(r.repository());
      if (r.repository().startsWith("library/")) {
        candidates.add(r.repository().substring("library/".length()));
      }
    }
    for (String repository : candidates) {
      if (Store.isRepositoryName(repository) && Store.isTagName(r.tag())) {
        Optional<Descriptor> tagged = store.tag(repository, r.tag());
        if (tagged.isPresent()) {
          return tagged;
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public byte[] manifest(Descriptor d) throws IOException {
    return store.bytes(d.digest());
  }

  @Override
  public byte[] smallBlob(Descriptor d) throws IOException {
    return ImageSource.verified(store.bytes(d.digest()), d, location.text());
  }

  @Override
  public boolean fetchInto(Store target, Descriptor d, LongConsumer progress) throws IOException {
    // The transfer's store is the only store a StoreSource reads: what it lacks, only origins have.
    return origins.ensure(d, progress);
  }

  @Override
  public Optional<ImageReference> origin() {
    return location.reference();
  }
}
