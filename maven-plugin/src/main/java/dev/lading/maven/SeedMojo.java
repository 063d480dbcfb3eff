package dev.lading.maven;

import dev.lading.build.BaseImage;
import dev.lading.build.BaseImages;
import dev.lading.build.BlobFetcher;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * {@code image:seed}: pulls the base image a build needs (and any listed in {@code <seed>}),
 * layers included, into the store without building, so that a CI cache can be pre-seeded and
 * {@code mvn -o} works from the store alone. Offline it checks that everything is there.
 */
@Mojo(name = "seed", threadSafe = true)
public class SeedMojo extends AbstractImageMojo {
  /** More images to pull, e.g. the base images of other modules or tools. */
  @Parameter
  protected List<String> seed = new ArrayList<>();

  @Override
  protected String goal() {
    return "image:seed";
  }

  @Override
  protected void run() throws IOException {
    long start = System.nanoTime();
    Set<ImageReference> images = new LinkedHashSet<>();
    if (property("from.image", from.image) != null) {
      images.add(baseReference());
    }
    for (String s : seed) {
      images.add(ImageReference.parse(s.trim()));
    }
    String extra = property("seed", null);
    if (extra != null) {
      for (String s : extra.split(",")) {
        if (!s.isBlank()) {
          images.add(ImageReference.parse(s.trim()));
        }
      }
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("nothing to seed: set <from><image> or <seed><image>...</image></seed>");
    }
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    Store store = openStore();
    RegistryClient client = client(progress, new ArrayList<>(images));
    Mirrors mirrors = new Mirrors(mirrorHosts()); // one for the run: a dead mirror is asked once
    BaseImages bases = new BaseImages(store, client, mirrors, progress);
    BlobFetcher fetcher = new BlobFetcher(store, client, mirrors, progress);
    int layers = 0;
    int fetched = 0;
    for (ImageReference ref : images) {
      for (BaseImage base : bases.resolve(ref, platforms())) {
        for (Descriptor layer : base.manifest().layers()) {
          layers++;
          if (fetcher.ensureFrom(layer, base.origin())) {
            fetched++;
          }
        }
      }
      getLog().info("seeded " + ref);
    }
    getLog().info("image:seed " + images.size() + " image(s) in " + store.root() + ": " + layers
        + " layers, " + fetched + " fetched now" + (client == null ? " (offline: all present)" : "")
        + " in " + seconds(start));
  }
}
