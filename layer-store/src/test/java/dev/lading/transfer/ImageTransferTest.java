package dev.lading.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.model.NoMatchingPlatformException;
import dev.lading.model.Platform;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ImageTransfer} against real tools: two docker-registry instances, skopeo and umoci check
 * what it reads and writes.
 */
class ImageTransferTest {
  private static LocalRegistry registry;
  private static LocalRegistry otherRegistry;

  @TempDir Path tmp;
  private Store store;
  private Store sourceLayout;
  private final Map<Digest, BlobOutcome> outcomes = new ConcurrentHashMap<>();
  private ImageTransfer transfer;

  @BeforeAll
  static void startRegistries() throws IOException {
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("umoci", "umoci");
    registry = LocalRegistry.start();
    otherRegistry = LocalRegistry.start();
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
    sourceLayout = Store.open(tmp.resolve("src-layout"));
    transfer = ImageTransfer.builder()
        .store(store)
        .registryClient(RegistryClient.builder().build())
        .listener(new TransferListener() {
          @Override
          public void blobDone(Descriptor d, BlobOutcome outcome) {
            outcomes.put(d.digest(), outcome);
          }
        })
        .parallelism(3)
        .build();
  }

  private static String skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    return Processes.check(cmd, 120);
  }

  private static JsonNode json(String text) throws IOException {
    return Json.mapper().readTree(text);
  }

  /** Names an image in the store as {@code store:NAME} finds it: by its canonical reference. */
  private static void name(Store store, String name, Descriptor d) throws IOException {
    store.setRef(((StoreLocation) ImageLocation.parse("store:" + name)).ref(), d);
  }

  private static ImageLocation loc(String text) {
    return ImageLocation.parse(text);
  }

  /** Builds an image as an OCI layout and pushes it with skopeo to {@code repo:tag} of the registry. */
  private Descriptor pushWithSkopeo(String repoAndTag) throws IOException {
    Descriptor manifest = TestImages.image(sourceLayout, Platform.of("linux", "amd64"), "one", ImageFormat.OCI);
    sourceLayout.setRef("img", manifest);
    skopeo("copy", "--dest-tls-verify=false", "oci:" + sourceLayout.root() + ":img",
        "docker://" + registry.hostPort() + "/" + repoAndTag);
    return manifest;
  }

  // ---- (1) registry -> store ----

  @Test
  void pullsWhatSkopeoPushedIntoTheStoreAsAnOciLayoutThatUmociUnpacks() throws IOException {
    Descriptor pushed = pushWithSkopeo("src/img:1");
    String ref = registry.hostPort() + "/src/img:1";

    CopyResult result = transfer.copy(loc("docker://" + ref), loc("store:" + ref), CopyOptions.defaults());

    assertEquals(pushed.digest(), result.written().digest());
    assertEquals(3, result.blobsCopied());
    assertEquals(pushed.digest(), store.ref(ref).orElseThrow().digest());
    JsonNode inspected = json(skopeo("inspect", "oci:" + store.root() + ":" + ref));
    assertEquals(pushed.digest().toString(), inspected.get("Digest").asText());
    Path bundle = tmp.resolve("bundle");
    Processes.check(List.of("umoci", "unpack", "--rootless", "--image", store.root() + ":" + ref,
        bundle.toString()), 120);
    assertEquals("hello\n", Files.readString(bundle.resolve("rootfs/etc/hello.txt")));
    assertEquals("one\n", Files.readString(bundle.resolve("rootfs/data/marker.txt")));
    assertFalse(Files.exists(bundle.resolve("rootfs/etc/gone.txt")));

    // A second pull finds every blob in the store.
    outcomes.clear();
    CopyResult again = transfer.copy(loc("docker://" + ref), loc("store:" + ref), CopyOptions.defaults());
    assertEquals(0, again.blobsCopied());
    assertEquals(3, again.blobsSkipped());
  }

  @Test
  void aLayoutOnTheStoresFileSystemSharesTheStoresBlobFilesAndStaysReadable() throws IOException {
    Descriptor pushed = pushWithSkopeo("src/linked:1");
    String ref = registry.hostPort() + "/src/linked:1";
    Path layout = tmp.resolve("linked-layout");

    transfer.copy(loc("docker://" + ref), loc("oci:" + layout + ":x"), CopyOptions.defaults());

    ImageManifest manifest = Json.read(store.bytes(pushed.digest()), ImageManifest.class, "manifest");
    for (Descriptor layer : manifest.layers()) {
      Path inLayout = layout.resolve("blobs/sha256").resolve(layer.digest().hex());
      assertTrue(Files.isSameFile(store.blobPath(layer.digest()), inLayout), "no second copy of " + layer);
    }
    assertEquals(pushed.digest().toString(), json(skopeo("inspect", "oci:" + layout + ":x")).get("Digest").asText());
    Path bundle = tmp.resolve("linked-bundle");
    Processes.check(List.of("umoci", "unpack", "--rootless", "--image", layout + ":x", bundle.toString()), 120);
    assertEquals("hello\n", Files.readString(bundle.resolve("rootfs/etc/hello.txt")));
  }

  @Test
  void pushesALayoutsBlobsFromTheirFilesVerifiedInPlaceAndRefusesACorruptOne() throws IOException {
    Descriptor manifestDesc = TestImages.image(sourceLayout, Platform.of("linux", "amd64"), "in-place",
        ImageFormat.OCI);
    sourceLayout.setRef("img", manifestDesc);
    String ref = registry.hostPort() + "/layout/pushed:1";

    transfer.copy(loc("oci:" + sourceLayout.root() + ":img"), loc("docker://" + ref), CopyOptions.defaults());

    assertEquals(manifestDesc.digest().toString(), json(skopeo("inspect", "--tls-verify=false",
        "docker://" + ref)).get("Digest").asText());
    ImageManifest manifest = Json.read(sourceLayout.bytes(manifestDesc.digest()), ImageManifest.class, "m");
    for (Descriptor layer : manifest.layers()) {
      assertFalse(store.has(layer.digest()), "read from the layout, not copied into the store: " + layer);
    }

    // A layer whose bytes no longer match its digest is refused before any upload starts (to the
    // other registry: this one could mount it from the first push).
    Descriptor layer = manifest.layers().get(0);
    Path file = sourceLayout.blobPath(layer.digest());
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Files.delete(file); // the store's files are read-only
    Files.write(file, bytes);
    String other = otherRegistry.hostPort() + "/layout/corrupt:1";
    assertThrows(InvalidImageException.class, () -> transfer.copy(
        loc("oci:" + sourceLayout.root() + ":img"), loc("docker://" + other), CopyOptions.defaults()));
    Processes.Result head = Processes.run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
        "-I", "http://" + otherRegistry.hostPort() + "/v2/layout/corrupt/blobs/" + layer.digest()), 30);
    assertEquals("404", head.output().trim());
  }

  @Test
  void resumesAnInterruptedPullAndDiscardsACorruptPartialOne() throws IOException {
    Descriptor pushed = pushWithSkopeo("src/resume:1");
    ImageManifest manifest = (ImageManifest) dev.lading.model.ManifestDocument.parse(
        sourceLayout.bytes(pushed.digest()), pushed.mediaType());
    Descriptor layer = manifest.layers().get(0);
    byte[] content = sourceLayout.bytes(layer.digest());
    String ref = registry.hostPort() + "/src/resume:1";

    // A pull killed after half of the layer: the partial download stays in the store.
    try (dev.lading.store.BlobWriter writer = store.resumableWriter(layer.digest())) {
      writer.write(content, 0, content.length / 2);
    }
    transfer.copy(loc("docker://" + ref), loc("store:" + ref), CopyOptions.defaults());
    assertArrayEquals(content, store.bytes(layer.digest()));

    // A partial download holding wrong bytes fails the pull once, and is dropped for the next try.
    Store other = Store.open(tmp.resolve("other"));
    try (dev.lading.store.BlobWriter writer = other.resumableWriter(layer.digest())) {
      writer.write(new byte[content.length / 2]);
    }
    ImageTransfer second = ImageTransfer.builder().store(other).parallelism(1).build();
    assertThrows(dev.lading.digest.DigestMismatchException.class,
        () -> second.copy(loc("docker://" + ref), loc("store:" + ref), CopyOptions.defaults()));
    second.copy(loc("docker://" + ref), loc("store:" + ref), CopyOptions.defaults());
    assertArrayEquals(content, other.bytes(layer.digest()));
  }

  // ---- (2) store -> registry: mount within a registry, push to another ----

  @Test
  void pushesFromTheStoreMountingWithinARegistryAndUploadingToAnother() throws IOException {
    Descriptor pushed = pushWithSkopeo("src/img:1");
    String ref = registry.hostPort() + "/src/img:1";
    transfer.copy(loc("docker://" + ref), loc("store:" + ref), CopyOptions.defaults());
    ImageManifest manifest = (ImageManifest) dev.lading.model.ManifestDocument.parse(
        store.bytes(pushed.digest()), pushed.mediaType());

    CopyResult mounted = transfer.copy(loc("store:" + ref),
        loc("docker://" + registry.hostPort() + "/other/img:1"), CopyOptions.defaults());
    assertEquals(3, mounted.blobsMounted(), "same registry: every blob is mounted from src/img");
    assertEquals(0, mounted.blobsCopied());

    CopyResult pushedElsewhere = transfer.copy(loc("store:" + ref),
        loc("docker://" + otherRegistry.hostPort() + "/copy/img:1"), CopyOptions.defaults());
    assertEquals(3, pushedElsewhere.blobsCopied());
    assertEquals(0, pushedElsewhere.blobsMounted());

    for (String target : List.of(registry.hostPort() + "/other/img:1", otherRegistry.hostPort() + "/copy/img:1")) {
      JsonNode inspected = json(skopeo("inspect", "--tls-verify=false", "docker://" + target));
      assertEquals(pushed.digest().toString(), inspected.get("Digest").asText(), target);
      List<String> layers = new ArrayList<>();
      inspected.get("Layers").forEach(l -> layers.add(l.asText()));
      assertEquals(manifest.layers().stream().map(l -> l.digest().toString()).toList(), layers, target);
    }

    // Registry to registry on one host: mounted, no layer passes through the (fresh) store.
    Store fresh = Store.open(tmp.resolve("fresh-store"));
    CopyResult direct = ImageTransfer.builder().store(fresh).build().copy(loc("docker://" + ref),
        loc("docker://" + registry.hostPort() + "/third/img:1"), CopyOptions.defaults());
    assertEquals(3, direct.blobsMounted());
    for (Descriptor layer : manifest.layers()) {
      assertFalse(fresh.has(layer.digest()), "mounted blobs are not downloaded");
    }
    assertEquals(pushed.digest().toString(), json(skopeo("inspect", "--tls-verify=false",
        "docker://" + registry.hostPort() + "/third/img:1")).get("Digest").asText());

    // Pushing again skips every blob.
    CopyResult again = transfer.copy(loc("store:" + ref),
        loc("docker://" + otherRegistry.hostPort() + "/copy/img:1"), CopyOptions.defaults());
    assertEquals(3, again.blobsSkipped());
  }

  @Test
  void streamsBlobsFromRegistryToRegistryIntoTheStoreAndRefusesOneServedWrong() throws IOException {
    // Its own image: the test corrupts one of its layers in the shared registry below.
    Descriptor pushed = TestImages.image(sourceLayout, Platform.of("linux", "amd64"), "streamed",
        ImageFormat.OCI);
    sourceLayout.setRef("streamed", pushed);
    skopeo("copy", "--dest-tls-verify=false", "oci:" + sourceLayout.root() + ":streamed",
        "docker://" + registry.hostPort() + "/src/stream:1");
    ImageManifest manifest = (ImageManifest) dev.lading.model.ManifestDocument.parse(
        sourceLayout.bytes(pushed.digest()), pushed.mediaType());
    String target = otherRegistry.hostPort() + "/stream/img:1";

    // Uploaded while downloading: the copy ends with the image there and every blob in the store.
    CopyResult copied = transfer.copy(loc("docker://" + registry.hostPort() + "/src/stream:1"),
        loc("docker://" + target), CopyOptions.defaults());
    assertEquals(3, copied.blobsCopied());
    assertEquals(3, copied.blobsFetched());
    assertEquals(pushed.digest().toString(), json(skopeo("inspect", "--tls-verify=false",
        "docker://" + target)).get("Digest").asText());
    for (Descriptor layer : manifest.layers()) {
      assertArrayEquals(sourceLayout.bytes(layer.digest()), store.bytes(layer.digest()));
    }
    assertEquals(List.of(), tempEntries(store));

    // The source registry serves other bytes for a layer: the upload never completes, so neither
    // the destination nor the store gets the blob, and nothing is left in the store's temp area.
    Descriptor layer = manifest.layers().get(manifest.layers().size() - 1); // the one only this image has
    String hex = layer.digest().toString().substring("sha256:".length());
    Path data = registry.root().resolve("data/docker/registry/v2/blobs/sha256/" + hex.substring(0, 2)
        + "/" + hex + "/data");
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length - 1] ^= 1;
    Files.write(data, bytes);
    Store fresh = Store.open(tmp.resolve("stream-fresh"));
    String corrupt = otherRegistry.hostPort() + "/stream/corrupt:1";
    IOException failure = assertThrows(IOException.class, () -> ImageTransfer.builder().store(fresh)
        .build().copy(loc("docker://" + registry.hostPort() + "/src/stream:1"), loc("docker://" + corrupt),
            CopyOptions.defaults()));
    assertTrue(String.valueOf(failure.getMessage()).contains(layer.digest().toString()), failure::toString);
    Processes.Result head = Processes.run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
        "-I", "http://" + otherRegistry.hostPort() + "/v2/stream/corrupt/blobs/" + layer.digest()), 30);
    assertEquals("404", head.output().trim());
    assertFalse(fresh.has(layer.digest()));
    assertEquals(List.of(), tempEntries(fresh));
  }

  private static List<Path> tempEntries(Store store) throws IOException {
    Path tmpArea = store.root().resolve(".lading/tmp");
    if (!Files.isDirectory(tmpArea)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(tmpArea)) {
      return entries.toList();
    }
  }

  // ---- (3) format conversion, platform selection ----

  @Test
  void convertsToDockerFormatAndBackToTheSameOciManifest() throws IOException {
    Descriptor original = TestImages.image(store, Platform.of("linux", "amd64"), "conv", ImageFormat.OCI);
    name(store, "local/conv:1", original);
    String dockerRef = registry.hostPort() + "/conv/img:docker";

    CopyResult toDocker = transfer.copy(loc("store:local/conv:1"), loc("docker://" + dockerRef),
        CopyOptions.defaults().withFormat(ImageFormat.DOCKER));
    assertNotEquals(original.digest(), toDocker.written().digest());
    JsonNode raw = json(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + dockerRef));
    assertEquals(MediaTypes.DOCKER_MANIFEST, raw.get("mediaType").asText());
    assertEquals(MediaTypes.DOCKER_CONFIG, raw.get("config").get("mediaType").asText());
    assertEquals(MediaTypes.DOCKER_LAYER_GZIP, raw.get("layers").get(0).get("mediaType").asText());
    assertEquals(toDocker.written().digest().toString(),
        json(skopeo("inspect", "--tls-verify=false", "docker://" + dockerRef)).get("Digest").asText());

    CopyResult back = transfer.copy(loc("docker://" + dockerRef), loc("store:local/conv:back"),
        CopyOptions.defaults().withFormat(ImageFormat.OCI));
    assertEquals(original.digest(), back.written().digest(), "OCI -> Docker -> OCI is lossless");
  }

  @Test
  void picksThePlatformFromAnIndexOrCopiesAllOfIt() throws IOException {
    Descriptor index = TestImages.index(sourceLayout, ImageFormat.OCI);
    sourceLayout.setRef("multi", index);
    ImageIndex parsed = (ImageIndex) dev.lading.model.ManifestDocument.parse(
        sourceLayout.bytes(index.digest()), index.mediaType());
    String multi = registry.hostPort() + "/multi/img:1";
    CopyResult all = transfer.copy(loc("oci:" + sourceLayout.root() + ":multi"), loc("docker://" + multi),
        CopyOptions.defaults().withAllPlatforms(true));
    assertEquals(index.digest(), all.written().digest());
    JsonNode raw = json(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + multi));
    assertEquals(2, raw.get("manifests").size());

    CopyResult picked = transfer.copy(loc("docker://" + multi), loc("store:multi:amd64"),
        CopyOptions.defaults().withPlatform(Platform.of("linux", "amd64")));
    assertEquals(parsed.require(Platform.of("linux", "amd64"), "test").digest(), picked.written().digest());
    assertEquals(MediaTypes.OCI_MANIFEST, store.ref("docker.io/library/multi:amd64").orElseThrow().mediaType());

    CopyResult arm = transfer.copy(loc("docker://" + multi), loc("store:multi:arm64"),
        CopyOptions.defaults().withPlatform(Platform.parse("linux/arm64")));
    assertEquals(parsed.require(Platform.of("linux", "arm64"), "test").digest(), arm.written().digest());

    CopyResult whole = transfer.copy(loc("docker://" + multi), loc("store:multi:all"),
        CopyOptions.defaults().withAllPlatforms(true));
    assertEquals(index.digest(), whole.written().digest());
    JsonNode umociList = json(skopeo("inspect", "--raw", "oci:" + store.root() + ":docker.io/library/multi:all"));
    assertEquals(2, umociList.get("manifests").size());

    // The whole index in Docker format: every child converted, then the manifest list.
    String dockerList = registry.hostPort() + "/multi/img:docker";
    transfer.copy(loc("store:multi:all"), loc("docker://" + dockerList),
        new CopyOptions(ImageFormat.DOCKER, null, true));
    JsonNode list = json(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + dockerList));
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, list.get("mediaType").asText());
    for (JsonNode child : list.get("manifests")) {
      assertEquals(MediaTypes.DOCKER_MANIFEST, child.get("mediaType").asText());
    }
    JsonNode armImage = json(skopeo("inspect", "--tls-verify=false", "--override-arch", "arm64",
        "docker://" + dockerList));
    assertEquals("arm64", armImage.get("Architecture").asText());

    NoMatchingPlatformException missing = assertThrows(NoMatchingPlatformException.class,
        () -> transfer.copy(loc("docker://" + multi), loc("store:multi:s390x"),
            CopyOptions.defaults().withPlatform(Platform.of("linux", "s390x"))));
    assertTrue(missing.getMessage().contains("linux/arm64"), missing.getMessage());
  }

  @Test
  void refusesToWriteZstdLayersInDockerFormat() throws IOException {
    Descriptor layer = store.put(MediaTypes.OCI_LAYER_ZSTD, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});
    Descriptor config = store.put(MediaTypes.OCI_CONFIG,
        Json.write(ImageConfig.scratch(Platform.of("linux", "amd64"))));
    ImageManifest manifest = ImageManifest.of(ImageFormat.OCI, config, List.of(layer));
    name(store, "zstd:1", store.put(MediaTypes.OCI_MANIFEST, Json.write(manifest)));
    InvalidImageException e = assertThrows(InvalidImageException.class,
        () -> transfer.copy(loc("store:zstd:1"), loc("store:zstd:docker"),
            CopyOptions.defaults().withFormat(ImageFormat.DOCKER)));
    assertTrue(e.getMessage().contains("zstd"), e.getMessage());
    assertTrue(e.getMessage().contains("OCI format"), e.getMessage());
    assertTrue(store.ref("docker.io/library/zstd:docker").isEmpty());
  }

  // ---- (4) archives ----

  @Test
  void dockerArchivesRoundTripThroughSkopeo() throws IOException {
    Descriptor original = TestImages.image(store, Platform.of("linux", "amd64"), "archive", ImageFormat.OCI);
    name(store, "demo/app:1", original);
    ImageManifest manifest = (ImageManifest) dev.lading.model.ManifestDocument.parse(
        store.bytes(original.digest()), original.mediaType());
    ImageConfig config = Json.read(store.bytes(manifest.config().digest()), ImageConfig.class, "config");
    Path archive = tmp.resolve("app.tar");

    transfer.copy(loc("store:demo/app:1"), loc("docker-archive:" + archive), CopyOptions.defaults());
    byte[] first = Files.readAllBytes(archive);
    JsonNode inspected = json(skopeo("inspect", "docker-archive:" + archive));
    List<String> layers = new ArrayList<>();
    inspected.get("Layers").forEach(l -> layers.add(l.asText()));
    assertEquals(config.diffIds().stream().map(Digest::toString).toList(), layers,
        "layers are stored uncompressed, so skopeo reports their diff_ids");
    JsonNode saved = json(Processes.check(List.of("tar", "-xOf", archive.toString(), "manifest.json"), 60));
    assertEquals("demo/app:1", saved.get(0).get("RepoTags").get(0).asText(), "Docker's short form");
    assertEquals(manifest.config().digest().hex() + ".json", saved.get(0).get("Config").asText());
    skopeo("copy", "docker-archive:" + archive, "oci:" + tmp.resolve("from-archive") + ":x");

    // Reproducible: the same image gives the same archive bytes.
    transfer.copy(loc("store:demo/app:1"), loc("docker-archive:" + archive), CopyOptions.defaults());
    assertArrayEquals(first, Files.readAllBytes(archive));
    try (Stream<Path> leftovers = Files.list(tmp)) {
      assertTrue(leftovers.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }

    // With compressed layers: the store's gzip blobs as they are, read by skopeo and read back.
    Path compressed = tmp.resolve("app-gz.tar");
    transfer.copy(loc("store:demo/app:1"), new DockerArchiveLocation(compressed, null, true), CopyOptions.defaults());
    List<String> blobs = new ArrayList<>();
    json(skopeo("inspect", "docker-archive:" + compressed)).get("Layers").forEach(l -> blobs.add(l.asText()));
    assertEquals(manifest.layers().size(), blobs.size());
    skopeo("copy", "docker-archive:" + compressed, "oci:" + tmp.resolve("from-gz-archive") + ":x");
    JsonNode savedGz = json(Processes.check(List.of("tar", "-xOf", compressed.toString(), "manifest.json"), 60));
    assertEquals(manifest.layers().get(0).digest().hex() + ".tar.gz", savedGz.get(0).get("Layers").get(0).asText());
    CopyResult backGz = transfer.copy(loc("docker-archive:" + compressed), loc("store:back:gz"), CopyOptions.defaults());
    assertEquals(manifest.config().digest(), ((ImageManifest) dev.lading.model.ManifestDocument.parse(
        store.bytes(backGz.written().digest()), backGz.written().mediaType())).config().digest());

    // Read back (uncompressed layers are gzipped reproducibly): same config, layers match diff_ids.
    CopyResult back = transfer.copy(loc("docker-archive:" + archive + ":demo/app:1"), loc("store:back:1"),
        CopyOptions.defaults());
    ImageManifest read = (ImageManifest) dev.lading.model.ManifestDocument.parse(
        store.bytes(back.written().digest()), back.written().mediaType());
    assertEquals(MediaTypes.DOCKER_MANIFEST, read.mediaType());
    assertEquals(manifest.config().digest(), read.config().digest());
    CopyResult backAgain = transfer.copy(loc("docker-archive:" + archive), loc("store:back:2"),
        CopyOptions.defaults());
    assertEquals(back.written().digest(), backAgain.written().digest(), "stable digests on re-import");
    Path unpacked = tmp.resolve("unpacked-archive");
    transfer.unpack(loc("store:back:1"), unpacked, UnpackOptions.defaults().withPreserveOwnership(false));
    assertEquals("archive\n", Files.readString(unpacked.resolve("data/marker.txt")));

    // An archive written by skopeo reads too.
    sourceLayout.setRef("img", TestImages.image(sourceLayout, Platform.of("linux", "amd64"), "skopeo",
        ImageFormat.OCI));
    Path skopeoArchive = tmp.resolve("skopeo.tar");
    skopeo("copy", "oci:" + sourceLayout.root() + ":img", "docker-archive:" + skopeoArchive + ":demo/s:1");
    CopyResult fromSkopeo = transfer.copy(loc("docker-archive:" + skopeoArchive), loc("store:s:1"),
        CopyOptions.defaults().withFormat(ImageFormat.OCI));
    InspectResult info = transfer.inspect(loc("store:s:1"), null);
    assertEquals(MediaTypes.OCI_MANIFEST, info.image().mediaType());
    assertEquals(fromSkopeo.written().digest(), info.image().digest());
    assertEquals("amd64", info.imageConfig().architecture());

    ImageNotFoundException wrongTag = assertThrows(ImageNotFoundException.class,
        () -> transfer.copy(loc("docker-archive:" + skopeoArchive + ":demo/other:1"), loc("store:x:1"),
            CopyOptions.defaults()));
    assertTrue(wrongTag.getMessage().contains("demo/s:1"), wrongTag.getMessage());
  }

  @Test
  void ociArchivesRoundTripThroughSkopeo() throws IOException {
    Descriptor original = TestImages.image(store, Platform.of("linux", "amd64"), "oci-archive", ImageFormat.OCI);
    name(store, "demo/oa:1", original);
    Path archive = tmp.resolve("oa.tar");

    transfer.copy(loc("store:demo/oa:1"), loc("oci-archive:" + archive + ":app"), CopyOptions.defaults());
    JsonNode inspected = json(skopeo("inspect", "oci-archive:" + archive + ":app"));
    assertEquals(original.digest().toString(), inspected.get("Digest").asText());
    skopeo("copy", "oci-archive:" + archive + ":app", "oci:" + tmp.resolve("from-oa") + ":y");

    byte[] first = Files.readAllBytes(archive);
    transfer.copy(loc("store:demo/oa:1"), loc("oci-archive:" + archive + ":app"), CopyOptions.defaults());
    assertArrayEquals(first, Files.readAllBytes(archive), "reproducible archive");

    Store other = Store.open(tmp.resolve("other-store"));
    ImageTransfer second = ImageTransfer.builder().store(other).build();
    CopyResult back = second.copy(loc("oci-archive:" + archive), loc("store:oa:back"), CopyOptions.defaults());
    assertEquals(original.digest(), back.written().digest());
    assertEquals(3, back.blobsCopied());

    // skopeo's own oci-archive reads too.
    Path skopeoArchive = tmp.resolve("skopeo-oa.tar");
    skopeo("copy", "oci:" + tmp.resolve("from-oa") + ":y", "oci-archive:" + skopeoArchive + ":z");
    assertEquals(original.digest(),
        second.copy(loc("oci-archive:" + skopeoArchive + ":z"), loc("store:oa:skopeo"), CopyOptions.defaults())
            .written().digest());
  }

  // ---- (5) unpack ----

  @Test
  void unpacksTheSameTreeAsUmoci() throws IOException {
    Descriptor image = TestImages.image(store, Platform.of("linux", "amd64"), "unpack", ImageFormat.OCI);
    name(store, "demo/unpack:1", image);
    Path ours = tmp.resolve("ours");
    UnpackResult result = transfer.unpack(loc("store:demo/unpack:1"), ours,
        UnpackOptions.defaults().withPreserveOwnership(false));
    assertEquals(2, result.layers().size());

    Path bundle = tmp.resolve("umoci-bundle");
    Processes.check(List.of("umoci", "unpack", "--rootless", "--image",
        store.root() + ":docker.io/demo/unpack:1", bundle.toString()), 120);
    assertEquals(tree(bundle.resolve("rootfs")), tree(ours));
    assertTrue(Files.isSymbolicLink(ours.resolve("etc/link")));
    assertFalse(Files.exists(ours.resolve("etc/gone.txt")));

    IllegalArgumentException notEmpty = assertThrows(IllegalArgumentException.class,
        () -> transfer.unpack(loc("store:demo/unpack:1"), ours, UnpackOptions.defaults()));
    assertTrue(notEmpty.getMessage().contains("not empty"), notEmpty.getMessage());
    transfer.unpack(loc("store:demo/unpack:1"), ours,
        UnpackOptions.defaults().withPreserveOwnership(false).withAllowNonEmptyTarget(true));
  }

  @Test
  void unpacksFromARegistryAndInspectsWithoutPullingLayers() throws IOException {
    Descriptor pushed = pushWithSkopeo("src/unpack:1");
    String ref = "docker://" + registry.hostPort() + "/src/unpack:1";
    InspectResult info = transfer.inspect(loc(ref), null);
    assertEquals(pushed.digest(), info.top().digest());
    assertFalse(info.isIndex());
    assertEquals(List.of("/usr/bin/tool"), info.imageConfig().config().cmd());
    for (Descriptor layer : info.imageManifest().layers()) {
      assertFalse(store.has(layer.digest()), "inspect pulls no layers");
    }
    Path dir = tmp.resolve("from-registry");
    transfer.unpack(loc(ref), dir, UnpackOptions.defaults().withPreserveOwnership(false));
    assertEquals("#!/bin/sh\necho tool\n", Files.readString(dir.resolve("usr/bin/tool")));
    assertTrue(Files.isExecutable(dir.resolve("usr/bin/tool")));
  }

  /** Path -> type, permissions and content (or link target), for comparing unpacked trees. */
  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> result = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        String rel = root.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          result.put(rel, "link " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          result.put(rel, "dir " + java.nio.file.attribute.PosixFilePermissions.toString(
              Files.getPosixFilePermissions(p)));
        } else {
          result.put(rel, "file " + java.nio.file.attribute.PosixFilePermissions.toString(
              Files.getPosixFilePermissions(p)) + " " + Digest.of(p));
        }
      }
    }
    return result;
  }

  @Test
  void findsImagesTheRegistryMirrorTaggedUnderTheNameTheyWerePushedWith() throws IOException {
    Descriptor image = TestImages.image(store, Platform.of("linux", "amd64"), "mirror", ImageFormat.OCI);
    store.setTag("app", "1", image); // pushed as MIRROR/app:1
    store.setTag("team/app", "2", image); // pushed as MIRROR/team/app:2
    store.setTag("localhost/app", "3", image); // pushed as MIRROR/localhost/app:3
    for (String name : List.of("app:1", "library/app:1", "team/app:2", "localhost/app:3")) {
      assertEquals(image.digest(), transfer.inspect(loc("store:" + name), null).top().digest(), name);
    }
    assertThrows(ImageNotFoundException.class, () -> transfer.inspect(loc("store:other/app:1"), null));
  }

  // ---- (6) errors ----

  @Test
  void unknownTagsReposFilesAndRefsGiveOneLineMessages() throws IOException {
    pushWithSkopeo("src/err:1");
    ImageNotFoundException tag = assertThrows(ImageNotFoundException.class, () -> transfer.copy(
        loc("docker://" + registry.hostPort() + "/src/err:nope"), loc("store:x:1"), CopyOptions.defaults()));
    assertTrue(tag.getMessage().contains("no such tag"), tag.getMessage());
    assertTrue(tag.getMessage().contains("its tags: 1"), tag.getMessage());
    assertFalse(tag.getMessage().contains("\n"));

    ImageNotFoundException repo = assertThrows(ImageNotFoundException.class, () -> transfer.inspect(
        loc("docker://" + registry.hostPort() + "/no/such:1"), null));
    assertTrue(repo.getMessage().contains("no/such"), repo.getMessage());

    Path missing = tmp.resolve("missing.tar");
    ImageNotFoundException file = assertThrows(ImageNotFoundException.class, () -> transfer.copy(
        loc("docker-archive:" + missing), loc("store:x:1"), CopyOptions.defaults()));
    assertTrue(file.getMessage().contains("does not exist"), file.getMessage());
    assertThrows(ImageNotFoundException.class, () -> transfer.copy(
        loc("oci-archive:" + missing), loc("store:x:1"), CopyOptions.defaults()));
    ImageNotFoundException layout = assertThrows(ImageNotFoundException.class, () -> transfer.copy(
        loc("oci:" + tmp.resolve("no-layout") + ":x"), loc("store:x:1"), CopyOptions.defaults()));
    assertTrue(layout.getMessage().contains("does not exist"), layout.getMessage());

    ImageNotFoundException ref = assertThrows(ImageNotFoundException.class, () -> transfer.copy(
        loc("store:never/pulled:1"), loc("oci:" + tmp.resolve("out") + ":x"), CopyOptions.defaults()));
    assertTrue(ref.getMessage().contains("docker.io/never/pulled:1"), ref.getMessage());
    assertFalse(Files.exists(tmp.resolve("out/index.json")) && Files.readString(tmp.resolve("out/index.json"))
        .contains("ref.name"), "nothing named at the destination");

    assertThrows(IllegalArgumentException.class, () -> loc("registry.example/app:1"));
    assertThrows(IllegalArgumentException.class, () -> transfer.copy(loc("store:x:1"),
        loc("docker-archive:" + tmp.resolve("a.tar")), CopyOptions.defaults().withAllPlatforms(true)));
  }
}
