package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.registry.BlobSink;
import dev.lading.registry.BlobSource;
import dev.lading.registry.ManifestResponse;
import dev.lading.registry.RegistryClient;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One application built for two platforms from a two-platform base index: the plugin pushes an index
 * (OCI, or a Docker manifest list) with one image per platform, sharing the application layers, and
 * refuses a platform the base lacks with one error line that lists what the base has.
 */
class MultiPlatformIT {
  private static final String BASE_REPOSITORY = "library/jre-multi";
  private static final Platform AMD64 = Platform.of("linux", "amd64");
  private static final Platform ARM64 = Platform.of("linux", "arm64");

  private static NestedMaven maven;
  private static LocalRegistry registry;
  private static Path settings;
  private static String baseImage;
  private static int baseLayerCount;

  @BeforeAll
  static void registryWithTwoPlatformBase() throws IOException {
    Rootfs.requireTools();
    maven = new NestedMaven("multiplatform");
    registry = LocalRegistry.start();
    NestedMaven.pushBaseImage(registry.hostPort());
    baseLayerCount = pushTwoPlatformBase(RegistryClient.builder().build(), registry.hostPort());
    baseImage = registry.hostPort() + "/" + BASE_REPOSITORY + ":17";
    settings = maven.settings("settings.xml", "");
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  /**
   * Makes {@code library/jre-multi:17}, an OCI index of the real JRE image (linux/amd64) and of the same
   * layers under a config that says linux/arm64: enough for a build, which never runs the base.
   * Returns the number of base layers.
   */
  private static int pushTwoPlatformBase(RegistryClient client, String host) throws IOException {
    ManifestResponse real = client.getManifest(host, "library/jre", "17");
    ImageManifest manifest = (ImageManifest) ManifestDocument.parse(real.bytes(), real.mediaType());
    ByteArrayOutputStream configBytes = new ByteArrayOutputStream();
    try (BlobSink sink = BlobSink.of(configBytes)) {
      client.fetchBlob(host, "library/jre", manifest.config(), sink);
    }
    ImageConfig config = Json.read(configBytes.toByteArray(), ImageConfig.class, "JRE base config");
    // The host builds the JRE image: the arm64 twin is only a label, so the real one must be amd64.
    assertEquals(AMD64, config.platform(), "the JRE base image is built for the host, expected linux/amd64");

    List<Descriptor> blobs = new ArrayList<>(manifest.layers());
    blobs.add(manifest.config());
    for (Descriptor blob : blobs) {
      assertTrue(client.mountBlob(host, BASE_REPOSITORY, blob.digest(), "library/jre"),
          "docker-registry mounts " + blob.digest() + " across repositories");
    }
    client.putManifest(host, BASE_REPOSITORY, real.digest().toString(), real.bytes(), real.mediaType());

    byte[] armConfig = Json.write(config.withPlatform(ARM64));
    Descriptor armConfigDescriptor = Descriptor.of(manifest.config().mediaType(), Digest.of(armConfig),
        armConfig.length);
    client.pushBlob(host, BASE_REPOSITORY, armConfigDescriptor, BlobSource.of(armConfig));
    byte[] armManifest = Json.write(manifest.withConfig(armConfigDescriptor));
    Digest armDigest = client.putManifest(host, BASE_REPOSITORY, Digest.of(armManifest).toString(), armManifest,
        manifest.contentType());

    byte[] index = Json.write(ImageIndex.of(ImageFormat.OCI, List.of(
        real.descriptor().withPlatform(AMD64),
        Descriptor.of(manifest.contentType(), armDigest, armManifest.length).withPlatform(ARM64))));
    client.putManifest(host, BASE_REPOSITORY, "17", index, ImageFormat.OCI.indexType());
    return manifest.layers().size();
  }

  /** Builds and pushes the sample for the platforms of its POM, to {@code demo/<name>:1.0}. */
  private static String buildAndPush(String name, String... extraArgs) throws IOException {
    Path project = maven.copyProject("multiarch", name);
    String target = registry.hostPort() + "/demo/" + name + ":1.0";
    List<String> args = new ArrayList<>(List.of("package", "image:build", "image:push",
        "-Dimage.store=" + maven.work().resolve("store"), "-Dimage.from.image=" + baseImage,
        "-Dimage.to.image=" + target));
    args.addAll(List.of(extraArgs));
    maven.mvnOk(settings, project, registry.hostPort(), args.toArray(String[]::new));
    return target;
  }

  /** The index's entries, checked to be exactly linux/amd64 then linux/arm64 of {@code manifestType}. */
  private static List<JsonNode> entries(JsonNode index, String manifestType) {
    List<JsonNode> entries = new ArrayList<>();
    index.get("manifests").forEach(entries::add);
    assertEquals(2, entries.size(), index.toString());
    List<String> platforms = new ArrayList<>();
    for (JsonNode e : entries) {
      assertEquals(manifestType, e.get("mediaType").asText(), e.toString());
      platforms.add(e.get("platform").get("os").asText() + "/" + e.get("platform").get("architecture").asText());
    }
    assertEquals(List.of("linux/amd64", "linux/arm64"), platforms, index.toString());
    return entries;
  }

  /** The layer digests of one entry's manifest. */
  private static List<String> layers(String target, JsonNode entry) throws IOException {
    String repository = target.substring(0, target.lastIndexOf(':'));
    JsonNode manifest = Skopeo.json("inspect", "--tls-verify=false", "--raw",
        "docker://" + repository + "@" + entry.get("digest").asText());
    List<String> digests = new ArrayList<>();
    manifest.get("layers").forEach(l -> digests.add(l.get("digest").asText()));
    return digests;
  }

  @Test
  void ociIndexWithOneImagePerPlatformSharingTheAppLayers() throws IOException {
    String target = buildAndPush("multi-oci");
    String ref = "docker://" + target;

    JsonNode index = Skopeo.json("inspect", "--tls-verify=false", "--raw", ref);
    assertEquals(MediaTypes.OCI_INDEX, index.get("mediaType").asText(), index.toString());
    List<JsonNode> entries = entries(index, MediaTypes.OCI_MANIFEST);

    // Each platform's image has its own config, and both share the base and application layers.
    List<String> amd64Layers = layers(target, entries.get(0));
    List<String> arm64Layers = layers(target, entries.get(1));
    assertNotEquals(entries.get(0).get("digest"), entries.get(1).get("digest"));
    // dependencies, resources (no files, but target/classes's directories, as in Jib), classes, jvm arg
    // files (no extra files, no snapshots: left out)
    assertEquals(baseLayerCount + 4, amd64Layers.size(), amd64Layers.toString());
    assertEquals(amd64Layers.subList(baseLayerCount, amd64Layers.size()),
        arm64Layers.subList(baseLayerCount, arm64Layers.size()));
    assertEquals(amd64Layers, arm64Layers);

    JsonNode arm = Skopeo.json("inspect", "--tls-verify=false", "--override-os", "linux", "--override-arch",
        "arm64", ref);
    assertEquals("arm64", arm.get("Architecture").asText(), arm.toString());
    JsonNode armConfig = Skopeo.json("inspect", "--tls-verify=false", "--override-os", "linux",
        "--override-arch", "arm64", "--config", ref);
    JsonNode amdConfig = Skopeo.json("inspect", "--tls-verify=false", "--override-os", "linux",
        "--override-arch", "amd64", "--config", ref);
    assertEquals("amd64", amdConfig.get("architecture").asText());
    List<String> entrypoint = List.of("java", "-cp", "@/app/jib-classpath-file", "demo.Main");
    assertEquals(entrypoint, Skopeo.strings(armConfig.get("config").get("Entrypoint")));
    assertEquals(entrypoint, Skopeo.strings(amdConfig.get("config").get("Entrypoint")));
    assertEquals(List.of("from-args"), Skopeo.strings(armConfig.get("config").get("Cmd")));

    // The amd64 image is the real JRE plus the application: unpack it and run it in a chroot.
    Path layout = maven.work().resolve("amd64-layout");
    Path bundle = maven.work().resolve("amd64-bundle");
    Skopeo.run("copy", "--src-tls-verify=false", "--override-os", "linux", "--override-arch", "amd64", ref,
        "oci:" + layout + ":app");
    Path rootfs = Rootfs.unpack(layout, "app", bundle);
    assertTrue(Files.isRegularFile(rootfs.resolve("app/classes/demo/Main.class")));
    List<String> cmd = new ArrayList<>(Rootfs.inside(rootfs));
    cmd.addAll(List.of("/usr/bin/env", "-i"));
    cmd.addAll(Skopeo.strings(amdConfig.get("config").get("Env")));
    cmd.addAll(entrypoint);
    cmd.addAll(Skopeo.strings(amdConfig.get("config").get("Cmd")));
    String out = Processes.check(cmd, 120);
    assertTrue(out.contains("Hello from amd64 args=from-args"), out);
  }

  @Test
  void dockerFormatGivesAManifestList() throws IOException {
    // The platforms again, as the user property (it replaces the POM's list).
    String target = buildAndPush("multi-docker", "-Dimage.container.format=Docker",
        "-Dimage.from.platforms=linux/amd64,linux/arm64");
    String ref = "docker://" + target;

    JsonNode list = Skopeo.json("inspect", "--tls-verify=false", "--raw", ref);
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, list.get("mediaType").asText(), list.toString());
    assertEquals("application/vnd.docker.distribution.manifest.list.v2+json", list.get("mediaType").asText());
    List<JsonNode> entries = entries(list, MediaTypes.DOCKER_MANIFEST);
    assertEquals(layers(target, entries.get(0)), layers(target, entries.get(1)));

    JsonNode arm = Skopeo.json("inspect", "--tls-verify=false", "--override-os", "linux", "--override-arch",
        "arm64", "--raw", "--config", ref);
    assertEquals("arm64", arm.get("architecture").asText(), arm.toString());
    for (JsonNode e : entries) {
      JsonNode manifest = Skopeo.json("inspect", "--tls-verify=false", "--raw",
          "docker://" + target.substring(0, target.lastIndexOf(':')) + "@" + e.get("digest").asText());
      assertEquals(MediaTypes.DOCKER_CONFIG, manifest.get("config").get("mediaType").asText());
      manifest.get("layers").forEach(l -> assertEquals(MediaTypes.DOCKER_LAYER_GZIP,
          l.get("mediaType").asText()));
    }
  }

  @Test
  void aPlatformTheBaseLacksIsOneErrorListingTheAvailableOnes() throws IOException {
    Path project = maven.copyProject("multiarch", "multi-s390x");
    Processes.Result r = maven.mvn(settings, project, registry.hostPort(), "package", "image:build",
        "-Dimage.store=" + maven.work().resolve("store"), "-Dimage.from.image=" + baseImage,
        "-Dimage.from.platforms=linux/amd64,linux/s390x");
    assertNotEquals(0, r.exitCode(), r.output());
    assertFalse(NestedMaven.hasStackTrace(r.output()), r.output());
    // A user error, reported like every other one ("image:build failed: ..."), not as a plugin crash.
    String error = SettingsIT.errorLine(r.output(), "image:build failed");
    assertTrue(error.contains(baseImage) && error.contains("linux/s390x")
        && error.contains("available platforms: linux/amd64, linux/arm64"), error);
    long errorLines = r.output().lines().filter(l -> l.startsWith("[ERROR]") && l.contains("s390x")).count();
    assertEquals(1, errorLines, r.output());
    assertFalse(Files.exists(project.resolve("target/image.digest")), "no image for a failed build");
  }
}
