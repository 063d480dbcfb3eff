package dev.lading.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.transfer.Mirrors;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import dev.lading.registry.RegistryClient;
import dev.lading.store.BlobOrigin;
import dev.lading.store.FsckReport;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import dev.lading.transfer.BlobOutcome;
import dev.lading.transfer.CopyOptions;
import dev.lading.transfer.CopyResult;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.TransferListener;
import dev.lading.transfer.UnpackOptions;
import dev.lading.transfer.UnpackResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images built on a base whose layers the store never downloaded ("lazy"), moved by
 * {@link ImageTransfer} to real registries, OCI layouts (checked by umoci) and directories: base
 * layers are mounted when the destination is their own registry, fetched from it otherwise.
 */
class LazyBaseTransferTest {
  private static LocalRegistry registry;
  private static LocalRegistry otherRegistry;
  private static RegistryClient client;
  private static TestBase base;
  private static ImageReference baseRef;

  @TempDir Path tmp;
  private Store store;
  private final Map<Digest, BlobOutcome> outcomes = new ConcurrentHashMap<>();
  private ImageTransfer transfer;
  private String repository;

  @BeforeAll
  static void startRegistries() throws IOException {
    RequiredTool.require("umoci", "umoci");
    registry = LocalRegistry.start();
    otherRegistry = LocalRegistry.start();
    client = RegistryClient.builder().build();
    base = TestBase.push(client, registry.hostPort(), "library/base", "1", Platform.of("linux", "amd64"));
    baseRef = ImageReference.parse(registry.hostPort() + "/library/base:1");
  }

  @AfterAll
  static void stopRegistries() {
    if (registry != null) {
      registry.close();
    }
    if (otherRegistry != null) {
      otherRegistry.close();
    }
  }

  @BeforeEach
  void openStore() throws IOException {
    store = Store.open(tmp.resolve("store"));
    transfer = ImageTransfer.builder().store(store).registryClient(client)
        .listener(new TransferListener() {
          @Override
          public void blobDone(Descriptor blob, BlobOutcome outcome) {
            outcomes.put(blob.digest(), outcome);
          }
        })
        .build();
  }

  /**
   * Builds {@code repository}:1.0 (also tagged latest) on the base, leaving the base layers out of
   * the store. Each test builds its own repository, so none sees what another pushed.
   */
  private BuildResult build(String repository) throws IOException {
    this.repository = repository;
    Path classes = Files.createDirectories(tmp.resolve("classes/demo"));
    Files.writeString(classes.resolve("Main.class"), "not really a class");
    JavaImagePlan plan = new JavaImagePlan(baseRef, List.of(),
        ImageReference.parse(registry.hostPort() + "/" + repository + ":1.0"), List.of("latest"), ImageFormat.OCI,
        ContainerSettings.ofMainClass("demo.Main"), List.of(LayerSpec.of(JavaLayers.CLASSES,
            List.of(new FileMapping(tmp.resolve("classes"), "/app/classes")))), null, null);
    BuildResult built = new ImageBuilder(store, client, Mirrors.none(), BuildListener.NONE).build(plan);
    for (Descriptor layer : base.layers()) {
      assertFalse(store.has(layer.digest()), "the build must leave base layers lazy");
    }
    return built;
  }

  private static ImageLocation loc(String text) {
    return ImageLocation.parse(text);
  }

  private String app() {
    return "store:" + registry.hostPort() + "/" + repository + ":1.0";
  }

  private long baseBytes() {
    return base.layers().stream().mapToLong(Descriptor::size).sum();
  }

  @Test
  void pushToTheBaseRegistryMountsBaseLayersThenSkipsAndAnotherRegistryFetchesThem() throws IOException {
    BuildResult built = build("demo/pushed");
    String host = registry.hostPort();
    CopyOptions withLatest = CopyOptions.defaults().withExtraTags(List.of("latest"));

    CopyResult first = transfer.copy(loc(app()), loc("docker://" + host + "/demo/pushed:1.0"), withLatest);
    assertEquals(2, first.blobsMounted());
    assertEquals(2, first.blobsCopied()); // config and the classes layer
    assertEquals(0, first.bytesFetched());
    for (Descriptor layer : base.layers()) {
      assertFalse(store.has(layer.digest()), "no base bytes move when the target is the base's registry");
      assertEquals(BlobOutcome.MOUNTED, outcomes.get(layer.digest()));
      assertTrue(client.blobExists(host, "demo/pushed", layer.digest()));
      assertTrue(store.origins(layer.digest()).contains(new BlobOrigin(host, "demo/pushed")));
    }
    assertEquals(built.imageDigest(), first.written().digest());
    assertEquals(built.imageDigest(), client.getManifest(host, "demo/pushed", "1.0").digest());
    assertEquals(built.imageDigest(), client.getManifest(host, "demo/pushed", "latest").digest());

    CopyResult again = transfer.copy(loc(app()), loc("docker://" + host + "/demo/pushed:1.0"), withLatest);
    assertEquals(4, again.blobsSkipped());
    assertEquals(0, again.blobsCopied() + again.blobsMounted() + again.blobsFetched());

    // The other registry has neither the base nor a repository to mount from: fetch, then upload.
    CopyResult elsewhere = transfer.copy(loc(app()),
        loc("docker://" + otherRegistry.hostPort() + "/demo/pushed:1.0"), CopyOptions.defaults());
    assertEquals(4, elsewhere.blobsCopied());
    assertEquals(2, elsewhere.blobsFetched());
    assertEquals(baseBytes(), elsewhere.bytesFetched());
    for (Descriptor layer : base.layers()) {
      assertTrue(store.has(layer.digest()));
    }
    assertEquals(built.imageDigest(), client.getManifest(otherRegistry.hostPort(), "demo/pushed", "1.0").digest());
  }

  @Test
  void copyToAnotherRepositoryOfTheBaseRegistryMountsWhileFsckCountsTheBaseLayersAsLazy()
      throws IOException {
    build("demo/lazy");
    FsckReport report = store.fsck();
    assertTrue(report.clean(), report.toString());
    assertEquals(List.of(), report.missing());
    BlobOrigin origin = new BlobOrigin(registry.hostPort(), "library/base");
    List<Digest> lazy = report.lazy().stream().map(FsckReport.Lazy::digest).sorted().toList();
    assertEquals(base.layers().stream().map(Descriptor::digest).sorted().toList(), lazy);
    report.lazy().forEach(l -> assertEquals(List.of(origin), l.origins()));

    CopyResult copy = transfer.copy(loc(app()), loc("docker://" + registry.hostPort() + "/other:1"),
        CopyOptions.defaults());
    assertEquals(2, copy.blobsMounted());
    assertEquals(2, copy.blobsCopied()); // config and classes: only the store has them
    assertEquals(0, copy.bytesFetched());
    assertEquals(2, store.fsck().lazy().size(), "a mount moves no bytes into the store");
  }

  @Test
  void copyToAnOciLayoutFetchesTheBaseLayersFromTheirOrigin() throws IOException {
    build("demo/layout");
    Path layout = tmp.resolve("layout");
    CopyResult copy = transfer.copy(loc(app()), loc("oci:" + layout + ":x"), CopyOptions.defaults());
    assertEquals(2, copy.blobsFetched());
    assertEquals(baseBytes(), copy.bytesFetched());
    assertEquals(List.of(), store.fsck().lazy(), "the base layers are in the store now");

    Path bundle = tmp.resolve("bundle");
    Processes.check(List.of("umoci", "unpack", "--rootless", "--image", layout + ":x",
        bundle.toString()), 120);
    assertTrue(Files.readString(bundle.resolve("rootfs/etc/base-0.txt")).startsWith("base layer 0"));
    assertTrue(Files.readString(bundle.resolve("rootfs/etc/base-1.txt")).startsWith("base layer 1"));
    assertEquals("not really a class", Files.readString(bundle.resolve("rootfs/app/classes/demo/Main.class")));
  }

  @Test
  void unpackFetchesTheBaseLayersItApplies() throws IOException {
    build("demo/unpacked");
    Path rootfs = tmp.resolve("rootfs");
    UnpackResult result = transfer.unpack(loc(app()), rootfs, UnpackOptions.defaults());
    assertEquals(3, result.layers().size());
    assertTrue(Files.readString(rootfs.resolve("etc/base-0.txt")).startsWith("base layer 0"));
    assertEquals("not really a class", Files.readString(rootfs.resolve("app/classes/demo/Main.class")));
    for (Descriptor layer : base.layers()) {
      assertEquals(BlobOutcome.COPIED, outcomes.get(layer.digest()));
      assertTrue(store.has(layer.digest()));
    }
  }

  @Test
  void offlineALazyBlobIsNotAvailableAndTheErrorNamesItsOrigin() throws IOException {
    build("demo/offline");
    ImageTransfer offline = ImageTransfer.builder().store(store).offline(true).build();
    IOException e = assertThrows(IOException.class,
        () -> offline.copy(loc(app()), loc("oci:" + tmp.resolve("layout") + ":x"), CopyOptions.defaults()));
    assertTrue(e.getMessage().contains("offline") && e.getMessage().contains(registry.hostPort()
        + "/library/base"), e.getMessage());

    ImageNotAvailableException fromBuild = assertThrows(ImageNotAvailableException.class,
        () -> new BlobFetcher(store, null, Mirrors.none(), BuildListener.NONE).ensure(base.layers().get(0)));
    assertTrue(fromBuild.getMessage().contains("image:seed"), fromBuild.getMessage());
  }
}
