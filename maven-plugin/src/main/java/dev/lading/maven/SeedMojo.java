package dev.lading.maven;

import dev.lading.build.JavaImagePlan;
import dev.lading.build.SeedImage;
import dev.lading.build.SeedResult;
import dev.lading.build.Seeder;
import dev.lading.build.dockerfile.DockerfileFroms;
import dev.lading.model.ImageReference;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    Map<ImageReference, String> images = new LinkedHashMap<>(); // reference -> as a Dockerfile wrote it
    Path baseDockerfile = baseDockerfile();
    if (baseDockerfile != null) {
      baseReference(); // only for its check that <from><image> is not set too
      images.putAll(DockerfileFroms.of(baseDockerfile, buildArgs));
    } else if (property("from.image", from.image) != null) {
      images.put(baseReference(), null);
    }
    for (String s : seed) {
      images.putIfAbsent(ImageReference.parse(s.trim()), null);
    }
    String extra = property("seed", null);
    if (extra != null) {
      for (String s : extra.split(",")) {
        if (!s.isBlank()) {
          images.putIfAbsent(ImageReference.parse(s.trim()), null);
        }
      }
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("nothing to seed: set <from><image> (or <from><dockerfile>) or"
          + " <seed><image>...</image></seed>");
    }
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    Store store = openStore();
    RegistryClient client = client(progress, new ArrayList<>(images.keySet()));
    Mirrors mirrors = new Mirrors(mirrorHosts()); // one for the run: a dead mirror is asked once
    List<SeedImage> wanted = new ArrayList<>();
    images.forEach((reference, text) -> wanted.add(new SeedImage(reference, text)));
    SeedResult result = new Seeder(store, client, mirrors, progress)
        .seed(wanted, Seeder.Platforms.of(platforms(), JavaImagePlan.DEFAULT_PLATFORM));
    getLog().info("image:seed " + result.images() + " image(s) in " + store.root() + ": " + result.layers()
        + " layers, " + result.fetched() + " fetched now" + (client == null ? " (offline: all present)" : "")
        + " in " + seconds(start));
  }
}
