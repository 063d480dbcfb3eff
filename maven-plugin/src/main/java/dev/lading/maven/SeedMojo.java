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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * {@code image:seed}: pulls the base image a build needs (and any listed in {@code <seed>}),
 * layers included, into the store without building, so that a CI cache can be pre-seeded and
 * {@code mvn -o} works from the store alone. With {@code <from><dockerfile>}, the base images are the
 * Dockerfile's {@code FROM} images. Offline it checks that everything is there.
 */
@Mojo(name = "seed", threadSafe = true)
public class SeedMojo extends AbstractImageMojo {
  /** More images to pull, e.g. the base images of other modules or tools. */
  @Parameter
  protected List<String> seed = new ArrayList<>();

  /** The Dockerfile's build arguments, as image:build reads them: its FROM lines may use them. */
  @Parameter
  protected Map<String, String> buildArgs;

  @Override
  protected String goal() {
    return "image:seed";
  }

  @Override
  protected void run() throws IOException {
    long start = System.nanoTime();
    Set<ImageReference> images = new LinkedHashSet<>();
    Path baseDockerfile = baseDockerfile();
    Map<ImageReference, String> written = new LinkedHashMap<>();
    if (baseDockerfile != null) {
      baseReference(); // only for its check that <from><image> is not set too
      written = DockerfileFroms.of(baseDockerfile, buildArgs);
      images.addAll(written.keySet());
    } else if (property("from.image", from.image) != null) {
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
      throw new IllegalArgumentException("nothing to seed: set <from><image> (or <from><dockerfile>) or"
          + " <seed><image>...</image></seed>");
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
      String text = written.get(ref);
      if (text != null && !text.equals(BaseImages.storeRef(ref))) {
        // The Dockerfile build looks a FROM image up in the store by its text (eclipse-temurin:17), not
        // by the normalised reference (docker.io/library/eclipse-temurin:17) the base was stored under.
        store.setRef(text, store.ref(BaseImages.storeRef(ref)).orElseThrow());
      }
      getLog().info("seeded " + ref);
    }
    getLog().info("image:seed " + images.size() + " image(s) in " + store.root() + ": " + layers
        + " layers, " + fetched + " fetched now" + (client == null ? " (offline: all present)" : "")
        + " in " + seconds(start));
  }
}
