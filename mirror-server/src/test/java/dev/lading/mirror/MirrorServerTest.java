package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.registry.BlobSource;
import dev.lading.registry.ManifestResponse;
import dev.lading.registry.Referrers;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.RegistryException;
import dev.lading.store.FsckReport;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The mirror in this JVM on a free port, driven by the project's own RegistryClient. */
class MirrorServerTest {
  @TempDir Path tmp;
  private Store store;
  private MirrorServer server;
  private String host;
  private final RegistryClient client = RegistryClient.builder().build();
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws IOException {
    store = Store.open(tmp.resolve("store"));
    server = MirrorServer.start(new StoreRegistryStorage(store), "127.0.0.1", 0, log::add);
    host = "127.0.0.1:" + server.address().getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Pushes a one-layer OCI image's blobs and returns its manifest (not pushed). */
  private byte[] image(String repository, String marker) throws IOException {
    return image(repository, marker, ImageFormat.OCI);
  }

  /** Pushes a one-layer image's blobs and returns its manifest in {@code format} (not pushed). */
  private byte[] image(String repository, String marker, ImageFormat format) throws IOException {
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"marker\":\"" + marker + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] layer = ("layer of " + marker).getBytes(StandardCharsets.UTF_8);
    Descriptor c = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.of(config), config.length);
    Descriptor l = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(layer), layer.length);
    client.pushBlob(host, repository, c, BlobSource.of(config));
    client.pushBlob(host, repository, l, BlobSource.of(layer));
    return Json.write(ImageManifest.of(format, c, List.of(l)));
  }

  @ParameterizedTest
  @EnumSource(ImageFormat.class)
  void anIndexNeedsItsChildrenAndKeepsThemThroughGc(ImageFormat format) throws IOException {
    byte[] amd = image("multi/app", "amd64", format);
    byte[] arm = image("multi/app", "arm64", format);
    List<Descriptor> children = List.of(
        Descriptor.of(format.manifestType(), Digest.of(amd), amd.length)
            .withPlatform(Platform.of("linux", "amd64")),
        Descriptor.of(format.manifestType(), Digest.of(arm), arm.length)
            .withPlatform(Platform.of("linux", "arm64")));
    byte[] index = Json.write(ImageIndex.of(format, children));

    RegistryException early = assertThrows(RegistryException.class,
        () -> client.putManifest(host, "multi/app", "1", index, format.indexType()));
    assertEquals(400, early.status());
    assertTrue(early.hasCode("MANIFEST_BLOB_UNKNOWN"), early.getMessage());

    client.putManifest(host, "multi/app", Digest.of(amd).toString(), amd, format.manifestType());
    client.putManifest(host, "multi/app", Digest.of(arm).toString(), arm, format.manifestType());
    client.putManifest(host, "multi/app", "1", index, format.indexType());
    store.gc(Duration.ZERO);

    ManifestResponse got = client.getManifest(host, "multi/app", "1");
    assertArrayEquals(index, got.bytes());
    assertEquals(format.indexType(), got.mediaType());
    assertEquals(Digest.of(arm), client.headManifest(host, "multi/app", Digest.of(arm).toString())
        .orElseThrow().digest());
    assertEquals(List.of("1"), client.listTags(host, "multi/app"), "revision tags are not listed");
    assertTrue(store.fsck().missing().isEmpty());

    client.deleteManifest(host, "multi/app", Digest.of(index));
    assertTrue(client.headManifest(host, "multi/app", "1").isEmpty());
  }

  @Test
  void aRegistryWithTheReferrersApiListsThemAndKeepsNoTag() throws IOException {
    byte[] subject = image("signed/app", "subject");
    client.putManifest(host, "signed/app", "1", subject, MediaTypes.OCI_MANIFEST);
    byte[] sbomConfig = "{}".getBytes(StandardCharsets.UTF_8);
    Descriptor c = Descriptor.of("application/vnd.example.sbom", Digest.of(sbomConfig), 2);
    client.pushBlob(host, "signed/app", c, BlobSource.of(sbomConfig));
    byte[] sbom = Json.write(new ImageManifest(2, MediaTypes.OCI_MANIFEST, null, c, List.of(),
        Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.of(subject), subject.length), null));

    Referrers referrers = new Referrers(client);
    assertEquals(Referrers.Linked.BY_REGISTRY, referrers.putManifest(host, "signed/app",
        Digest.of(sbom).toString(), sbom, MediaTypes.OCI_MANIFEST), "the mirror answers OCI-Subject");
    assertEquals(List.of("1"), client.listTags(host, "signed/app"), "so no referrers tag");
    Referrers.Listing listed = referrers.list(host, "signed/app", Digest.of(subject),
        "application/vnd.example.sbom");
    assertEquals(Referrers.Source.API, listed.source());
    assertTrue(listed.filtered());
    assertEquals(1, listed.manifests().size());
    assertEquals("application/vnd.example.sbom", listed.manifests().get(0).artifactType(),
        "an image manifest's config type when it names no artifactType");
    assertEquals(0, referrers.list(host, "signed/app", Digest.of(subject), "application/other")
        .manifests().size());
  }

  @Test
  void theClientFollowsTagPagesToTheEnd() throws IOException {
    byte[] manifest = image("paged/app", "paged");
    List<String> tags = List.of("b", "a", "e", "c", "d");
    for (String tag : tags) {
      client.putManifest(host, "paged/app", tag, manifest, MediaTypes.OCI_MANIFEST);
    }
    assertEquals(List.of("a", "b", "c", "d", "e"), client.listTags(host, "paged/app", 2));
    assertTrue(log.stream().anyMatch(l -> l.startsWith("GET /v2/paged/app/tags/list 200")), log.toString());
  }

  @Test
  void pushesRacingGcNeverLeaveATagWithMissingBlobs() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
      Future<Integer> collector = pool.submit(() -> {
        int runs = 0;
        while (running.get()) {
          store.gc(Duration.ZERO); // no grace: only leases and the manifest check protect pushes
          runs++;
          Thread.sleep(10); // room for some pushes to get through between collections
        }
        return runs;
      });
      List<Future<Integer>> pushers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        pushers.add(pool.submit(() -> {
          int refused = 0;
          for (int i = 0; i < 15; i++) {
            try {
              byte[] manifest = image("race/app", thread + "-" + i);
              client.putManifest(host, "race/app", "t" + thread + "-" + i, manifest, MediaTypes.OCI_MANIFEST);
              accepted.add("t" + thread + "-" + i);
            } catch (RegistryException e) {
              // gc took a blob between its upload and the manifest: refused, never half-stored.
              assertTrue(e.hasCode("MANIFEST_BLOB_UNKNOWN"), e.getMessage());
              refused++;
            }
          }
          return refused;
        }));
      }
      int refused = 0;
      for (Future<Integer> f : pushers) {
        refused += f.get();
      }
      running.set(false);
      assertTrue(collector.get() > 0);
      assertEquals(30, refused + accepted.size());
      for (String tag : accepted) { // what was accepted is served whole
        ManifestResponse m = client.getManifest(host, "race/app", tag);
        ImageManifest image = (ImageManifest) dev.lading.model.ManifestDocument.parse(m.bytes(), m.mediaType());
        assertTrue(store.has(image.config().digest()) && store.has(image.layers().get(0).digest()), tag);
      }
    } finally {
      pool.shutdownNow();
    }
    FsckReport report = store.fsck();
    assertEquals(List.of(), report.missing(), "every tag's blobs are there");
  }
}
