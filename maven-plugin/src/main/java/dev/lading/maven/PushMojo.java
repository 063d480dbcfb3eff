package dev.lading.maven;

import dev.lading.build.ImagePusher;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * {@code image:push}: pushes the image that {@code image:build} put in the store to {@code to.image}
 * and each tag, skipping blobs the registry has and mounting those another repository of it holds.
 */
@Mojo(name = "push", defaultPhase = LifecyclePhase.DEPLOY, threadSafe = true)
public class PushMojo extends AbstractImageMojo {
  @Override
  protected String goal() {
    return "image:push";
  }

  @Override
  protected void run() throws IOException, MojoFailureException {
    long start = System.nanoTime();
    if (session.isOffline()) {
      throw new MojoFailureException("image:push cannot work offline (-o): it talks to the registry");
    }
    ImageReference target = targetReference();
    List<ImageReference> targets = new ArrayList<>();
    targets.add(target);
    for (String tag : tags()) {
      ImageReference tagged = new ImageReference(target.registry(), target.repository(), tag, null);
      if (!targets.contains(tagged)) {
        targets.add(tagged);
      }
    }
    Store store = openStore();
    Descriptor image = store.ref(target.toString()).orElseThrow(() -> new MojoFailureException(
        "image " + target + " is not in the store " + store.root() + "; run image:build first"
        + " (e.g. mvn package image:build image:push)"));
    MavenProgress progress = new MavenProgress(getLog(), "");
    List<ImageReference> involved = new ArrayList<>(targets);
    String base = property("from.image", from.image);
    if (base != null) {
      involved.add(ImageReference.parse(base));
    }
    RegistryClient client = client(progress, involved);
    ImagePusher.PushResult result = new ImagePusher(store, client, mirrorHosts(), progress).push(image, targets);
    getLog().info("image:push " + target + " " + result.digest() + " (" + result.uploaded() + " uploaded, "
        + result.mounted() + " mounted, " + result.skipped() + " already there; "
        + MavenProgress.human(result.bytesUploaded()) + " uploaded, "
        + MavenProgress.human(result.bytesFetched()) + " fetched) in " + seconds(start));
    for (ImageReference t : targets) {
      getLog().info("pushed " + t.name() + ":" + t.tag() + "@" + result.digest());
    }
  }
}
