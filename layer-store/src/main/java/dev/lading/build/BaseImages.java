package dev.lading.build;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.registry.ManifestResponse;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.RegistryException;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves a base image into the store without its layer bytes: the manifest (or index and the
 * chosen platforms' manifests) and the config are stored, the base reference becomes a store ref (so
 * an offline build finds it), and every layer gets an origin record (so a push can mount or fetch it).
 */
public final class BaseImages {
  private final Store store;
  private final RegistryClient client;
  private final RegistryClient mirrorClient;
  private final Mirrors mirrors;
  private final BuildListener listener;

  /**
   * @param client null when offline: everything must then come from the store
   * @param mirrors registries tried before the base image's own registry
   */
  public BaseImages(Store store, RegistryClient client, Mirrors mirrors, BuildListener listener) {
    this.store = store;
    this.client = client;
    this.mirrorClient = Mirrors.clientFor(client);
    this.mirrors = mirrors;
    this.listener = listener;
  }

  /** The store ref under which a base reference is kept. */
  public static String storeRef(ImageReference reference) {
    return reference.toString();
  }

  /**
   * The base image for each wanted platform (empty: the base's only platform, or linux/amd64 from an
   * index).
   *
   * @throws ImageNotAvailableException offline when the store does not hold the base, or when the
   *     registry does not know it
   */
  public List<BaseImage> resolve(ImageReference reference, List<Platform> platforms) throws IOException {
    return resolve(reference, platforms, false);
  }

  /**
   * As {@link #resolve(ImageReference, List)}; with {@code inStore}, the base is an image built into
   * the store (a Dockerfile-built base), read from there even online: its registry, if any, never held
   * it, so no origin is recorded for its layers (they are in the store; the layers it took from its own
   * base keep the origins recorded when they were pulled).
   */
  public List<BaseImage> resolve(ImageReference reference, List<Platform> platforms, boolean inStore)
      throws IOException {
    return resolve(reference, platforms, JavaImagePlan.DEFAULT_PLATFORM, inStore, false);
  }

  /**
   * As {@link #resolve(ImageReference, List)}, with {@code indexDefault} the platform taken from an index
   * when {@code platforms} is empty (a single image is then taken whatever its platform).
   */
  public List<BaseImage> resolve(ImageReference reference, List<Platform> platforms, Platform indexDefault)
      throws IOException {
    return resolve(reference, platforms, indexDefault, false, false);
  }

  /**
   * Every platform's image of {@code reference}: each image manifest of an index (entries of an unknown
   * platform, such as build attestations, are left out), or the one image of a single manifest.
   */
  public List<BaseImage> resolveAllPlatforms(ImageReference reference) throws IOException {
    return resolve(reference, List.of(), JavaImagePlan.DEFAULT_PLATFORM, false, true);
  }

  private List<BaseImage> resolve(ImageReference reference, List<Platform> platforms, Platform indexDefault,
      boolean inStore, boolean allPlatforms) throws IOException {
    Descriptor top = client == null || inStore ? fromStore(reference) : fromRegistry(reference);
    ManifestDocument doc = ManifestDocument.parse(store.bytes(top.digest()), top.mediaType());
    List<BaseImage> result = new ArrayList<>();
    if (doc instanceof ImageIndex index && allPlatforms) {
      for (Platform p : index.availablePlatforms()) {
        Descriptor entry = index.require(p, reference.toString());
        if (!"unknown".equals(p.os()) && MediaTypes.isImageManifest(entry.mediaType())
            && result.stream().noneMatch(b -> b.manifestDescriptor().digest().equals(entry.digest()))) {
          result.add(image(reference, manifest(reference, entry), inStore));
        }
      }
    } else if (doc instanceof ImageIndex index) {
      List<Platform> wanted = platforms.isEmpty() ? List.of(indexDefault) : platforms;
      for (Platform p : wanted) {
        Descriptor entry = index.require(p, reference.toString());
        result.add(image(reference, manifest(reference, entry), inStore));
      }
    } else {
      BaseImage only = image(reference, top, inStore);
      for (Platform p : platforms) {
        if (!only.platform().matches(p)) {
          throw new ImageNotAvailableException("base image " + reference + " is a single-platform image for "
              + only.platform() + ", but the build wants " + p + "; use a multi-platform base or change"
              + " from.platforms");
        }
      }
      result.add(only);
    }
    return result;
  }

  private Descriptor fromStore(ImageReference reference) throws IOException {
    Optional<Descriptor> ref = store.ref(storeRef(reference));
    if (ref.isEmpty() && reference.digest() != null) {
      // A digest-pinned base may be in the store under another name: its bytes are what counts.
      if (store.has(reference.digest())) {
        String type = ManifestDocument.parse(store.bytes(reference.digest()), null).contentType();
        return Descriptor.of(type, reference.digest(), store.size(reference.digest()));
      }
    }
    return ref.orElseThrow(() -> new ImageNotAvailableException("base image " + reference
        + " is not in the store " + store.root() + " and Maven is offline; run `mvn image:seed` online"
        + " (or build once online) to put it there"));
  }

  private Descriptor fromRegistry(ImageReference reference) throws IOException {
    if (reference.digest() != null && store.has(reference.digest())) {
      Descriptor known = fromStore(reference);
      store.setRef(storeRef(reference), known);
      return known;
    }
    ManifestResponse response = getManifest(reference, reference.tagOrDigest());
    Descriptor stored = store.put(response.mediaType(), response.bytes());
    store.setRef(storeRef(reference), stored);
    listener.info("base image " + reference + " is " + response.digest());
    return stored;
  }

  private ManifestResponse getManifest(ImageReference reference, String tagOrDigest) throws IOException {
    IOException mirrorFailure = null;
    for (String mirror : mirrors.usable()) {
      try {
        return mirrorClient.getManifest(mirror, reference.repository(), tagOrDigest);
      } catch (IOException e) {
        mirrors.failed(mirror, e);
        mirrorFailure = e; // fall back to the origin
        listener.warn("mirror " + mirror + " failed for " + reference.repository() + ":" + tagOrDigest
            + " (" + e.getMessage() + "); pulling from " + reference.registry() + " instead");
      }
    }
    try {
      return client.getManifest(reference.registry(), reference.repository(), tagOrDigest);
    } catch (RegistryException e) {
      if (mirrorFailure != null) {
        e.addSuppressed(mirrorFailure);
      }
      if (e.status() == 404 || e.hasCode("MANIFEST_UNKNOWN") || e.hasCode("NAME_UNKNOWN")) {
        throw new ImageNotAvailableException("unknown base image " + reference + ": " + e.getMessage()
            + "; check the image name and tag (from.image)", e);
      }
      throw e;
    }
  }

  /** The manifest an index entry points to, from the store or (online) the registry. */
  private Descriptor manifest(ImageReference reference, Descriptor entry) throws IOException {
    if (!store.has(entry.digest())) {
      if (client == null) {
        throw new ImageNotAvailableException("the " + entry.platform() + " image of base " + reference
            + " is not in the store " + store.root() + " and Maven is offline; run `mvn image:seed`"
            + " online for this platform");
      }
      ManifestResponse response = getManifest(reference, entry.digest().toString());
      store.put(response.mediaType(), response.bytes());
    }
    return entry;
  }

  private BaseImage image(ImageReference reference, Descriptor manifestDescriptor, boolean inStore)
      throws IOException {
    ImageManifest manifest = Json.read(store.bytes(manifestDescriptor.digest()), ImageManifest.class,
        "manifest of base image " + reference);
    BlobOrigin origin = new BlobOrigin(reference.registry(), reference.repository());
    if (client != null && !inStore) {
      new BlobFetcher(store, client, mirrors, listener).ensureFrom(manifest.config(), origin.toString());
      for (Descriptor layer : manifest.layers()) {
        store.addOrigin(layer.digest(), origin);
      }
    } else if (!store.has(manifest.config().digest())) {
      throw new ImageNotAvailableException("the config of base image " + reference + " is not in the store"
          + (inStore ? "" : " and Maven is offline; run `mvn image:seed` online"));
    }
    ImageConfig config = Json.read(store.bytes(manifest.config().digest()), ImageConfig.class,
        "config of base image " + reference);
    return new BaseImage(reference, manifestDescriptor.withPlatform(null), manifest, config);
  }
}
