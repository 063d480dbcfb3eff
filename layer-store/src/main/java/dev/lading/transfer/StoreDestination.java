package dev.lading.transfer;

import dev.lading.model.Descriptor;
import dev.lading.store.Store;
import java.io.IOException;
import java.util.function.LongConsumer;

/** Names the image in the transfer's store: the blobs are there once fetched, the ref is set last. */
final class StoreDestination implements Destination {
  private final Store store;
  private final StoreLocation location;

  StoreDestination(Store store, StoreLocation location) {
    this.store = store;
    this.location = location;
  }

  @Override
  public BlobOutcome putBlob(Descriptor blob, Feed feed, LongConsumer progress) throws IOException {
    return feed.ensureInStore(blob) ? BlobOutcome.COPIED : BlobOutcome.SKIPPED_EXISTS;
  }

  @Override
  public void commit(ImageNode root) throws IOException {
    // Every document was stored while planning; the ref makes the image visible at once.
    store.setRef(location.ref(), root.descriptor());
  }
}
