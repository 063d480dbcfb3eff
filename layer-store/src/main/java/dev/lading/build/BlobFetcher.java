package dev.lading.build;

import dev.lading.model.Descriptor;
import dev.lading.registry.RegistryClient;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import dev.lading.transfer.BlobNotAvailableException;
import dev.lading.transfer.Mirrors;
import dev.lading.transfer.OriginFetcher;
import java.io.IOException;

/**
 * The build's view of {@link OriginFetcher}: brings an absent blob into the store from its recorded
 * origins (mirrors first), reports it to the {@link BuildListener}, and says in its errors what a
 * Maven user can do.
 */
public final class BlobFetcher {
  private final Store store;
  private final OriginFetcher fetcher;
  private final boolean offline;
  private final BuildListener listener;

  /**
   * @param client null when offline: then only blobs already in the store are available
   * @param mirrors registries to try before each origin's own registry
   */
  public BlobFetcher(Store store, RegistryClient client, Mirrors mirrors, BuildListener listener) {
    this.store = store;
    this.fetcher = new OriginFetcher(store, client, mirrors);
    this.offline = client == null;
    this.listener = listener;
  }

  /**
   * Makes sure {@code blob} is in the store; returns true when it was downloaded now.
   *
   * @throws ImageNotAvailableException when offline, when no origin is known, or when every source
   *     failed (the last failure is the cause)
   */
  public boolean ensure(Descriptor blob) throws IOException {
    try {
      boolean fetched = fetcher.ensure(blob, done -> { });
      if (fetched) {
        listener.blobDone("pulled", blob.digest(), blob.size());
      }
      return fetched;
    } catch (BlobNotAvailableException e) {
      String hint = offline ? "; run once without -o, or run image:seed online first"
          : "; rebuild the image online";
      throw new ImageNotAvailableException(e.getMessage() + hint, e);
    }
  }

  /** Records {@code origin} ({@code host/repository}) for {@code blob}, then {@link #ensure}s it. */
  public boolean ensureFrom(Descriptor blob, String origin) throws IOException {
    store.addOrigin(blob.digest(), BlobOrigin.parse(origin));
    return ensure(blob);
  }
}
