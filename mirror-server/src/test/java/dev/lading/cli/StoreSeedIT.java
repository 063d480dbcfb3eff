package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import dev.lading.model.Platform;
import dev.lading.registry.BlobSink;
import dev.lading.registry.BlobSource;
import dev.lading.registry.ManifestResponse;
import dev.lading.registry.RegistryClient;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading store seed} as a process, run as {@code nobody} (home {@code /nonexistent}) when the
 * tests run as root, against a real {@code docker-registry} with an access log: seeding by tag, digest,
 * list file, stdin and POM; a second run that downloads no blob; a two-platform index; then the seeded
 * store used with the registry stopped.
 */
class StoreSeedIT {
  private static final Pattern SUMMARY =
      Pattern.compile("seeded (\\d+) images?: (\\d+) layers?, (\\d+) fetched now \\(([^)]*)\\) in [0-9.]+ s");

  @TempDir static Path shared;
  private static LocalRegistry registry;
  private static Path jar;
  private static String minimal;
  private static int minimalLayers;
  private static String multi;

  @BeforeAll
  static void registryWithABaseAndATwoPlatformIndex() throws IOException {
    registry = LocalRegistry.startWithAccessLog();
    minimal = registry.hostPort() + "/library/minimal:1";
    BaseImages.push("minimal", minimal);
    jar = AsNobody.jar(shared);
    multi = registry.hostPort() + "/library/multi:1";
    minimalLayers = pushTwoPlatformIndex(RegistryClient.builder().build(), registry.hostPort());
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  /**
   * Makes {@code library/multi:1}, an OCI index of the minimal image for this machine's platform and of
   * a twin for another one: the same layers plus one of its own, so that seeding the twin downloads
   * exactly one more layer. Returns the minimal image's layer count.
   */
  private static int pushTwoPlatformIndex(RegistryClient client, String host) throws IOException {
    ManifestResponse real = client.getManifest(host, "library/minimal", "1");
    ImageManifest manifest = (ImageManifest) ManifestDocument.parse(real.bytes(), real.mediaType());
    ByteArrayOutputStream configBytes = new ByteArrayOutputStream();
    try (BlobSink sink = BlobSink.of(configBytes)) {
      client.fetchBlob(host, "library/minimal", manifest.config(), sink);
    }
    ImageConfig config = Json.read(configBytes.toByteArray(), ImageConfig.class, "minimal config");
    List<Descriptor> blobs = new ArrayList<>(manifest.layers());
    blobs.add(manifest.config());
    for (Descriptor blob : blobs) {
      assertTrue(client.mountBlob(host, "library/multi", blob.digest(), "library/minimal"), "mounts " + blob);
    }
    client.putManifest(host, "library/multi", real.digest().toString(), real.bytes(), real.mediaType());

    Platform here = Platform.current();
    Platform other = here.architecture().equals("arm64") ? Platform.of("linux", "amd64") : Platform.of("linux", "arm64");
    Path marker = Files.createDirectories(shared.resolve("twin-layer"));
    Files.writeString(marker.resolve("twin.txt"), "the " + other + " twin\n");
    Path tar = shared.resolve("twin-layer.tar");
    Processes.check(List.of("tar", "-cf", tar.toString(), "-C", marker.toString(), "twin.txt"), 60);
    byte[] uncompressed = Files.readAllBytes(tar);
    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(gzipped)) {
      gz.write(uncompressed);
    }
    byte[] layer = gzipped.toByteArray();
    Descriptor layerDescriptor = Descriptor.of(manifest.layers().get(0).mediaType(), Digest.of(layer), layer.length);
    client.pushBlob(host, "library/multi", layerDescriptor, BlobSource.of(layer));
    byte[] twinConfig = Json.write(config.withPlatform(other).withLayer(Digest.of(uncompressed),
        ImageConfig.History.layer(Instant.EPOCH, "twin marker", null)));
    Descriptor twinConfigDescriptor = Descriptor.of(manifest.config().mediaType(), Digest.of(twinConfig),
        twinConfig.length);
    client.pushBlob(host, "library/multi", twinConfigDescriptor, BlobSource.of(twinConfig));
    List<Descriptor> twinLayers = new ArrayList<>(manifest.layers());
    twinLayers.add(layerDescriptor);
    byte[] twin = Json.write(manifest.withConfig(twinConfigDescriptor).withLayers(twinLayers));
    Digest twinDigest = client.putManifest(host, "library/multi", Digest.of(twin).toString(), twin,
        manifest.contentType());
    byte[] index = Json.write(ImageIndex.of(ImageFormat.OCI, List.of(
        real.descriptor().withPlatform(here),
        Descriptor.of(manifest.contentType(), twinDigest, twin.length).withPlatform(other))));
    client.putManifest(host, "library/multi", "1", index, ImageFormat.OCI.indexType());
    return manifest.layers().size();
  }

  /** Runs {@code lading ARGS} as nobody (when root) with the store {@code store} of the shared directory. */
  private static Processes.Result lading(String store, String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve(store)), List.of(), args);
  }

  private static String ok(String store, String... args) throws IOException {
    Processes.Result r = lading(store, args);
    assertEquals(0, r.exitCode(), "lading " + String.join(" ", args) + ":\n" + r.output());
    return r.output();
  }

  /** The summary line's numbers: images, layers, fetched now. */
  private static List<Integer> summary(String output) {
    Matcher m = SUMMARY.matcher(output);
    assertTrue(m.find(), "a summary line in:\n" + output);
    return List.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  /** How many blob downloads (GET, not HEAD) of {@code repository} the registry has logged so far. */
  private static long blobGets(String repository) {
    return registry.log().lines().filter(l -> l.contains("\"GET /v2/" + repository + "/blobs/")).count();
  }

  private static Path writable(String name, String text) throws IOException {
    Path file = shared.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Processes.check(List.of("chmod", "-R", "a+rX", shared.resolve(name.split("/")[0]).toString()), 60);
    return file;
  }

  @Test
  void seedsByTagThenASecondRunDownloadsNoBlob() throws IOException {
    String first = ok("tag-store", "store", "seed", minimal);
    assertEquals(List.of(1, minimalLayers, minimalLayers), summary(first));
    assertTrue(first.contains("pulled "), "progress for each layer download: " + first);
    assertTrue(ok("tag-store", "store", "ls").contains(minimal));
    assertTrue(ok("tag-store", "store", "fsck").contains("clean"));

    long gets = blobGets("library/minimal");
    String second = ok("tag-store", "store", "seed", minimal);
    assertEquals(List.of(1, minimalLayers, 0), summary(second));
    assertTrue(second.contains("seeded " + minimal + ": " + minimalLayers
        + (minimalLayers == 1 ? " layer" : " layers") + ", all present"), second);
    assertEquals(gets, blobGets("library/minimal"), "no blob downloaded again:\n" + registry.log());
  }

  @Test
  void seedsFromAListFileAndFromStdin() throws IOException {
    Path list = writable("lists/images.txt", "# the CI cache's images\n\n" + minimal + "   # base\n"
        + multi + "\n" + minimal + "\n");
    assertEquals(List.of(2, 2 * minimalLayers, minimalLayers), summary(ok("list-store", "store", "seed",
        "--file", list.toString())));
    String ls = ok("list-store", "store", "ls");
    assertTrue(ls.contains(minimal) && ls.contains(multi), ls);

    // '-' reads the list from stdin (a pipe in CI); the store has it all now.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Processes.Result piped = Processes.run(List.of("sh", "-c", "\"$0\" -jar \"$1\" store seed --file - --store \"$2\" < \"$3\"",
        java, jar.toString(), shared.resolve("stdin-store").toString(), list.toString()), 300);
    assertEquals(0, piped.exitCode(), piped.output());
    assertEquals(List.of(2, 2 * minimalLayers, minimalLayers), summary(piped.output()));
  }

  @Test
  void seedsEveryPlatformOfAnIndexOnlyWhenAsked() throws IOException {
    assertEquals(List.of(1, minimalLayers, minimalLayers), summary(ok("multi-store", "store", "seed", multi)));
    String all = ok("multi-store", "store", "seed", "--all-platforms", multi);
    // The twin shares the minimal image's layers: only its own layer is new.
    assertEquals(List.of(1, 2 * minimalLayers + 1, 1), summary(all));
    assertTrue(all.contains("seeded " + multi + " (2 platforms)"), all);
    assertTrue(ok("multi-store", "store", "fsck").contains("clean"));

    String twin = Platform.current().architecture().equals("arm64") ? "linux/amd64" : "linux/arm64";
    assertEquals(List.of(1, minimalLayers + 1, minimalLayers + 1),
        summary(ok("twin-store", "store", "seed", "--platform", twin, multi)));

    Processes.Result missing = lading("twin-store", "store", "seed", "--platform", "linux/s390x", multi);
    assertEquals(1, missing.exitCode(), missing.output());
    assertTrue(missing.output().contains("linux/s390x"), missing.output());
  }

  @Test
  void seedsTheBasesAMultiModulePomNames() throws IOException {
    writable("project/pom.xml", "<project><modelVersion>4.0.0</modelVersion>"
        + "<groupId>demo</groupId><artifactId>parent</artifactId><version>1.0</version>"
        + "<properties><registry>" + registry.hostPort() + "</registry></properties>"
        + "<modules><module>app</module><module>image</module></modules></project>");
    writable("project/app/pom.xml", "<project><artifactId>app</artifactId><build><plugins><plugin>"
        + "<groupId>com.google.cloud.tools</groupId><artifactId>jib-maven-plugin</artifactId>"
        + "<configuration><from><image>${registry}/library/minimal:1</image></from></configuration>"
        + "</plugin></plugins></build></project>");
    writable("project/image/pom.xml", "<project><artifactId>image</artifactId><build><plugins><plugin>"
        + "<groupId>dev.lading</groupId><artifactId>image-maven-plugin</artifactId><configuration>"
        + "<from><dockerfile>Dockerfile</dockerfile></from>"
        + "<buildArgs><REGISTRY>${registry}</REGISTRY></buildArgs></configuration>"
        + "</plugin></plugins></build></project>");
    writable("project/image/Dockerfile", "ARG REGISTRY\nFROM ${REGISTRY}/library/multi:1\nRUN true\n");

    String out = ok("pom-store", "store", "seed", "--from-pom", shared.resolve("project/pom.xml").toString());
    assertEquals(List.of(2, 2 * minimalLayers, minimalLayers), summary(out));
    String ls = ok("pom-store", "store", "ls");
    assertTrue(ls.contains(minimal) && ls.contains(multi), ls);

    writable("project/pom.xml", Files.readString(shared.resolve("project/pom.xml"))
        .replace("<properties><registry>" + registry.hostPort() + "</registry></properties>", ""));
    Processes.Result undefined = lading("pom-store", "store", "seed", "--from-pom",
        shared.resolve("project/pom.xml").toString());
    assertEquals(1, undefined.exitCode(), undefined.output());
    assertTrue(undefined.output().startsWith("lading: ") && undefined.output().contains("${registry}"),
        undefined.output());
  }

  @Test
  void anUnknownImageIsOneClearLineAndANonZeroExit() throws IOException {
    Processes.Result r = lading("unknown-store", "store", "seed", minimal,
        registry.hostPort() + "/library/minimal:nope");
    assertEquals(1, r.exitCode(), r.output());
    String last = r.output().strip().lines().reduce((a, b) -> b).orElseThrow();
    assertTrue(last.startsWith("lading: cannot seed " + registry.hostPort() + "/library/minimal:nope: "), last);
    assertTrue(last.contains("1 image(s) before it are seeded"), last);
    assertFalse(r.output().contains("\tat "), "no stack trace: " + r.output());
    assertTrue(ok("unknown-store", "store", "ls").contains(minimal), "the image before the failure stays");
  }

  /**
   * A registry of its own, stopped after seeding: a digest reference that is all there needs no
   * network, a tag does (and says what to do), and the seeded base builds and unpacks offline.
   */
  @Test
  void theSeededStoreServesBuildsWithTheRegistryDown() throws IOException {
    String digestRef;
    String tagRef;
    try (LocalRegistry own = LocalRegistry.start()) {
      tagRef = own.hostPort() + "/library/minimal:1";
      String digest = new LadingJar(shared.resolve("copy-store")).ok("copy", "docker://" + minimal,
          "docker://" + tagRef).strip().lines().reduce((a, b) -> b).orElseThrow();
      digestRef = own.hostPort() + "/library/minimal@" + digest;
      assertEquals(List.of(1, minimalLayers, minimalLayers), summary(ok("offline-store", "store", "seed", digestRef)));
    }
    String again = ok("offline-store", "store", "seed", digestRef);
    assertEquals(List.of(1, minimalLayers, 0), summary(again));
    assertTrue(again.contains("all present"), again);

    Processes.Result down = lading("offline-store", "store", "seed", digestRef, tagRef);
    assertEquals(1, down.exitCode(), down.output());
    String last = down.output().strip().lines().reduce((a, b) -> b).orElseThrow();
    assertTrue(last.startsWith("lading: cannot seed " + tagRef + ": "), last);
    assertFalse(down.output().contains("\tat "), "no stack trace: " + down.output());

    Path context = writable("offline-context/Dockerfile", "FROM " + digestRef + "\nCOPY hello.txt /hello.txt\n")
        .getParent();
    writable("offline-context/hello.txt", "seeded\n");
    String built = ok("offline-store", "build", "-t", "store:localhost/offline:1", context.toString());
    assertTrue(built.strip().lines().reduce((a, b) -> b).orElseThrow().startsWith("sha256:"), built);
    Path rootfs = shared.resolve("offline-rootfs");
    Processes.check(List.of("chmod", "a+rwx", shared.toString()), 60);
    ok("offline-store", "unpack", "store:localhost/offline:1", rootfs.toString());
    assertEquals("seeded\n", Files.readString(rootfs.resolve("hello.txt")));
    assertTrue(Files.exists(rootfs.resolve("etc/passwd"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }
}
