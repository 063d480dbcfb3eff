package dev.lading.mirror;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.model.ManifestDocument;
import dev.lading.registry.Referrers;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.transfer.CopyOptions;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.RegistryLocation;
import dev.lading.transfer.StoreLocation;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Sends one forward of the {@link Outbox}: the core's copy from the store to the upstream (blobs the
 * upstream has are skipped or mounted, an index's children go first), then, for a referrer, its
 * place in the upstream's referrers. The mirror answers {@code OCI-Subject} to the pushing client,
 * which therefore leaves the referrers tag alone; so where the upstream lacks the referrers API the
 * mirror keeps that tag's index itself, as the spec asks of the client that pushed.
 */
public final class ForwardSender implements Outbox.Sender {
  private final Store store;
  private final ImageTransfer transfer;
  private final Referrers referrers;
  private final Consumer<String> log;

  /**
   * Forwards from {@code store} through {@code client} (without retries: the outbox retries the
   * whole forward with backoff); {@code log} receives a line when a referrers tag is written.
   */
  public ForwardSender(Store store, RegistryClient client, Consumer<String> log) {
    this.store = store;
    this.transfer = ImageTransfer.builder().store(store).registryClient(client).build();
    this.referrers = new Referrers(client);
    this.log = log;
  }

  @Override
  public void send(Outbox.Forward f) throws IOException {
    ImageReference to = ImageReference.parse(f.destination());
    transfer.copy(new StoreLocation(f.repository() + ":" + f.pinTag()), new RegistryLocation(to),
        CopyOptions.defaults().withAllPlatforms(true));
    Descriptor pinned = store.tag(f.repository(), f.pinTag()).orElse(null);
    if (pinned == null) {
      return;
    }
    byte[] bytes = store.bytes(pinned.digest());
    if (Referrers.subjectOf(ManifestDocument.parse(bytes, pinned.mediaType())).isEmpty()) {
      return;
    }
    // Put again (the same bytes: a no-op upstream) to see whether the upstream answers OCI-Subject;
    // the copy above does not tell.
    Referrers.Linked linked = referrers.putManifest(to.registry(), to.repository(),
        f.tag() != null ? f.tag() : f.digest(), bytes, pinned.mediaType());
    switch (linked) {
      case ADDED_TO_TAG -> log.accept("forward " + f.destination() + ": listed in the upstream's"
          + " referrers tag (it has no referrers API)");
      case TAG_NOT_AN_INDEX -> log.accept("forward " + f.destination() + ": the upstream's referrers"
          + " tag is not an image index; left as it is, so the referrer is not listed there");
      default -> { }
    }
  }
}
