package dev.lading.maven;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.model.Json;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.transfer.BlobNotAvailableException;
import dev.lading.transfer.BlobOutcome;
import dev.lading.transfer.CopyOptions;
import dev.lading.transfer.CopyResult;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.RegistryLocation;
import dev.lading.transfer.StoreLocation;
import dev.lading.transfer.TransferListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * {@code image:push}: copies the image that {@code image:build} put in the store to {@code to.image}
 * and each tag, skipping blobs the registry has, mounting those another repository of it holds (the
 * base image's, when it lives there) and fetching base layers the store lacks from their origin only
 * when they must be uploaded.
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
    List<String> extraTags = new ArrayList<>();
    for (String tag : tags()) {
      if (!tag.equals(target.tag()) && !extraTags.contains(tag)) {
        extraTags.add(tag);
      }
    }
    Store store = openStore();
    Descriptor image = store.ref(target.toString()).orElseThrow(() -> new MojoFailureException(
        "image " + target + " is not in the store " + store.root() + "; run image:build first"
        + " (e.g. mvn package image:build image:push)"));
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    List<ImageReference> involved = new ArrayList<>(List.of(target));
    String base = property("from.image", from.image);
    if (base != null) {
      involved.add(ImageReference.parse(base));
    }
    RegistryClient client = client(progress, involved);
    ImageTransfer transfer = ImageTransfer.builder().store(store).registryClient(client)
        .mirrors(mirrorHosts()).listener(transferListener(progress)).build();
    // The whole image as built (every platform of an index), then each extra tag as one manifest PUT.
    CopyOptions options = CopyOptions.defaults().withAllPlatforms(true).withExtraTags(extraTags);
    CopyResult result;
    try {
      result = transfer.copy(StoreLocation.of(target), new RegistryLocation(target), options);
    } catch (BlobNotAvailableException e) {
      // Not a bug: the message says what to do (go online, seed the store).
      throw new MojoFailureException(goal() + " failed: " + e.getMessage(), e);
    }
    Descriptor pushed = result.written();
    markPushed(target, pushed);
    getLog().info("image:push " + target + " " + pushed.digest() + " (" + result.blobsCopied() + " uploaded, "
        + result.blobsMounted() + " mounted, " + result.blobsSkipped() + " already there; "
        + MavenProgress.human(result.bytesCopied()) + " uploaded, "
        + MavenProgress.human(result.bytesFetched()) + " fetched) in " + seconds(start));
    getLog().info("pushed " + target.name() + ":" + target.tag() + "@" + pushed.digest());
    for (String tag : extraTags) {
      getLog().info("pushed " + target.name() + ":" + tag + "@" + pushed.digest());
    }
  }

  /** Reports a transfer's blobs and steps as the plugin's usual log lines. */
  static TransferListener transferListener(MavenProgress progress) {
    return new TransferListener() {
      @Override
      public void blobDone(Descriptor blob, BlobOutcome outcome) {
        String action = switch (outcome) {
          case COPIED -> "pushed";
          case MOUNTED -> "mounted";
          case SKIPPED_EXISTS -> "skipped";
        };
        progress.blobDone(action, blob.digest(), blob.size());
      }

      @Override
      public void info(String message) {
        progress.info(message);
      }
    };
  }

  /** Sets imagePushed in the image.json that image:build wrote for this very image (Jib's flag). */
  private void markPushed(ImageReference target, Descriptor pushed) throws IOException {
    Path file = outputPath("imageJson", outputPaths.imageJson, "image.json");
    if (!Files.isRegularFile(file)) {
      return;
    }
    JsonNode json = Json.mapper().readTree(file.toFile());
    if (json.path("imageDigest").asText().equals(pushed.digest().toString())
        && json.path("image").asText().equals(target.toString())) {
      writeImageJson(target, json.path("imageId").asText(), pushed.digest().toString(), true);
    }
  }
}
