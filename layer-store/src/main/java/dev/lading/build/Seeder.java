package dev.lading.build;

import dev.lading.model.Descriptor;
import dev.lading.model.Platform;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Pre-seeds a store with the images builds will need, layers and all, so that later builds (or a CI
 * cache restored from the store) work offline. What the store has is skipped: an image pinned by
 * digest whose blobs are all present needs no network; a tag is looked up again (it may have moved)
 * and only missing layers are downloaded.
 */
public final class Seeder {
  private final Store store;
  private final BaseImages bases;
  private final BlobFetcher fetcher;
  private final BuildListener listener;

  /**
   * Which platform images to seed: {@code wanted} ones, else {@code indexDefault} from an index (a
   * single image is taken whatever its platform), or with {@code every} platform of an index.
   */
  public record Platforms(List<Platform> wanted, Platform indexDefault, boolean every) {
    public Platforms {
      wanted = List.copyOf(wanted);
      Objects.requireNonNull(indexDefault, "indexDefault");
    }

    /** {@code wanted}, else {@code indexDefault} from an index. */
    public static Platforms of(List<Platform> wanted, Platform indexDefault) {
      return new Platforms(wanted, indexDefault, false);
    }

    /** Every platform an index has. */
    public static Platforms everyPlatform() {
      return new Platforms(List.of(), JavaImagePlan.DEFAULT_PLATFORM, true);
    }
  }

  /**
   * @param client null when offline: then seeding only checks that everything is in the store
   * @param mirrors registries tried before each image's own registry
   * @param listener told of each image seeded and each blob downloaded
   */
  public Seeder(Store store, RegistryClient client, Mirrors mirrors, BuildListener listener) {
    this.store = store;
    this.bases = new BaseImages(store, client, mirrors, listener);
    this.fetcher = new BlobFetcher(store, client, mirrors, listener);
    this.listener = listener;
  }

  /**
   * Seeds each image in turn. Images seeded before a failure stay in the store.
   *
   * @throws SeedException naming the image that failed and counting those seeded before it
   */
  public SeedResult seed(List<SeedImage> images, Platforms platforms) throws SeedException {
    SeedResult total = SeedResult.EMPTY;
    for (SeedImage image : images) {
      try {
        total = total.plus(seed(image, platforms));
      } catch (IOException | RuntimeException e) {
        throw new SeedException(image, total, e);
      }
    }
    return total;
  }

  /** Seeds one image: its manifests, configs and layers for the chosen platforms. */
  public SeedResult seed(SeedImage image, Platforms platforms) throws IOException {
    List<BaseImage> resolved = platforms.every()
        ? bases.resolveAllPlatforms(image.reference())
        : bases.resolve(image.reference(), platforms.wanted(), platforms.indexDefault());
    int layers = 0;
    int fetched = 0;
    long bytes = 0;
    for (BaseImage base : resolved) {
      for (Descriptor layer : base.manifest().layers()) {
        layers++;
        if (fetcher.ensureFrom(layer, base.origin())) {
          fetched++;
          bytes += layer.size();
        }
      }
    }
    String text = image.writtenAs();
    String stored = BaseImages.storeRef(image.reference());
    if (text != null && !text.equals(stored)) {
      // The Maven plugin's Dockerfile build looks a FROM image up by its text (eclipse-temurin:17), not by
      // the normalised reference (docker.io/library/eclipse-temurin:17) the base is stored under.
      store.setRef(text, store.ref(stored).orElseThrow());
    }
    listener.info("seeded " + image.reference()
        + (resolved.size() > 1 ? " (" + resolved.size() + " platforms)" : "") + ": " + layers
        + (layers == 1 ? " layer, " : " layers, ")
        + (fetched == 0 ? "all present" : fetched + " fetched now"));
    return new SeedResult(1, layers, fetched, bytes);
  }
}
