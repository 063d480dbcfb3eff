package dev.lading.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pushing from the store to real registries: skip, mount, fetch from origin. */
class ImagePusherTest {
  @TempDir Path tmp;

  private static JavaImagePlan plan(Path classes, ImageReference base, String target) {
    return new JavaImagePlan(base, List.of(), ImageReference.parse(target), List.of("latest"), ImageFormat.OCI,
        ContainerSettings.ofMainClass("demo.Main"),
        List.of(LayerSpec.of(JavaLayers.CLASSES, List.of(new FileMapping(classes, "/app/classes")))), null, null);
  }

  @Test
  void pushToTheBaseRegistryMountsBaseLayersAndMovesNoBaseBytes() throws IOException {
    try (LocalRegistry registry = LocalRegistry.start(); LocalRegistry other = LocalRegistry.start()) {
      RegistryClient client = RegistryClient.builder().build();
      String host = registry.hostPort();
      TestBase base = TestBase.push(client, host, "library/base", "1", Platform.of("linux", "amd64"));
      Store store = Store.open(tmp.resolve("store"));
      Path classes = Files.createDirectories(tmp.resolve("classes/demo"));
      Files.writeString(classes.resolve("Main.class"), "not really a class");
      JavaImagePlan plan = plan(tmp.resolve("classes"), ImageReference.parse(host + "/library/base:1"),
          host + "/demo/app:1.0");
      BuildResult built = new ImageBuilder(store, client, List.of(), BuildListener.NONE).build(plan);
      ImagePusher pusher = new ImagePusher(store, client, List.of(), BuildListener.NONE);

      ImagePusher.PushResult first = pusher.push(built.image(), plan.allTargets());
      assertEquals(2, first.mounted());
      assertEquals(2, first.uploaded()); // config and the classes layer
      assertEquals(0, first.bytesFetched());
      for (Descriptor layer : base.layers()) {
        assertFalse(store.has(layer.digest()));
        assertTrue(client.blobExists(host, "demo/app", layer.digest()));
      }
      assertEquals(built.imageDigest(), client.getManifest(host, "demo/app", "1.0").digest());
      assertEquals(built.imageDigest(), client.getManifest(host, "demo/app", "latest").digest());

      ImagePusher.PushResult again = pusher.push(built.image(), plan.allTargets());
      assertEquals(4, again.skipped());
      assertEquals(0, again.uploaded() + again.mounted());

      // Another registry has neither the base nor a repository to mount from: fetch, then upload.
      ImageReference elsewhere = ImageReference.parse(other.hostPort() + "/demo/app:1.0");
      ImagePusher.PushResult copy = pusher.push(built.image(), List.of(elsewhere));
      assertEquals(4, copy.uploaded());
      assertEquals(base.layers().stream().mapToLong(Descriptor::size).sum(), copy.bytesFetched());
      for (Descriptor layer : base.layers()) {
        assertTrue(store.has(layer.digest()));
      }
      assertEquals(built.imageDigest(), client.getManifest(other.hostPort(), "demo/app", "1.0").digest());
    }
  }

  @Test
  void offlineFetchOfAnAbsentBlobNamesItsOrigin() throws IOException {
    Store store = Store.open(tmp.resolve("store"));
    Descriptor absent = Descriptor.of(ImageFormat.OCI.gzipLayerType(),
        dev.lading.digest.Digest.ofUtf8("absent"), 6);
    Origins.of(store.root()).add(absent.digest(), "127.0.0.1:1/library/base");
    ImageNotAvailableException e = org.junit.jupiter.api.Assertions.assertThrows(
        ImageNotAvailableException.class,
        () -> new BlobFetcher(store, null, List.of(), BuildListener.NONE).ensure(absent));
    assertTrue(e.getMessage().contains("offline") && e.getMessage().contains("127.0.0.1:1/library/base"),
        e.getMessage());
  }
}
