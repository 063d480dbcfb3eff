package dev.lading.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our documents against the ones real tools write and read: umoci (OCI) and skopeo (Docker v2s2). */
class RealToolDocumentsTest {
  @TempDir Path dir;

  @Test
  void readsWhatUmociAndSkopeoWrite() throws IOException {
    String umoci = RequiredTool.require("umoci", "umoci").toString();
    String skopeo = RequiredTool.require("skopeo", "skopeo").toString();
    Path layout = dir.resolve("layout");
    run(umoci, "init", "--layout", layout.toString());
    run(umoci, "new", "--image", layout + ":t");
    run(umoci, "config", "--image", layout + ":t", "--config.env", "A=B", "--config.entrypoint", "sh",
        "--config.label", "k=v", "--config.exposedports", "80/tcp", "--config.volume", "/data",
        "--author", "me", "--os", "linux", "--architecture", "arm64");

    ImageIndex index = assertInstanceOf(ImageIndex.class,
        ManifestDocument.parse(Files.readAllBytes(layout.resolve("index.json")), null));
    Descriptor entry = index.manifests().get(0);
    assertEquals("t", entry.annotation(Descriptor.REF_NAME));
    byte[] manifestBytes = blob(layout, entry.digest());
    ImageManifest manifest = assertInstanceOf(ImageManifest.class,
        ManifestDocument.parse(manifestBytes, entry.mediaType()));
    assertEquals(ImageFormat.OCI, manifest.format());
    byte[] configBytes = blob(layout, manifest.config().digest());
    ImageConfig config = Json.read(configBytes, ImageConfig.class, "image config");
    assertEquals(Platform.of("linux", "arm64"), config.platform());
    assertEquals(Set.of("80/tcp"), config.config().exposedPorts());
    assertEquals("me", config.author());
    // Go writes struct fields in spec order, as we do: the very same bytes come back (but for the
    // newline Go's encoder ends with).
    assertEquals(new String(configBytes, StandardCharsets.UTF_8).stripTrailing(),
        new String(Json.write(config), StandardCharsets.UTF_8));
    assertEquals(Samples.meaning(manifestBytes), Samples.meaning(Json.write(manifest)));

    Path docker = dir.resolve("docker");
    run(skopeo, "copy", "--format", "v2s2", "oci:" + layout + ":t", "dir:" + docker);
    byte[] dockerBytes = Files.readAllBytes(docker.resolve("manifest.json"));
    ImageManifest dockerManifest = assertInstanceOf(ImageManifest.class, ManifestDocument.parse(dockerBytes, null));
    assertEquals(ImageFormat.DOCKER, dockerManifest.format());
    assertEquals(MediaTypes.DOCKER_CONFIG, dockerManifest.config().mediaType());
    assertEquals(Samples.meaning(dockerBytes), Samples.meaning(Json.write(dockerManifest)));
    ImageConfig dockerConfig = Json.read(Files.readAllBytes(docker.resolve(dockerManifest.config().digest().hex())),
        ImageConfig.class, "image config");
    assertEquals(config.config(), dockerConfig.config());
  }

  @Test
  void umociAndSkopeoAcceptWhatWeWrite() throws IOException {
    String umoci = RequiredTool.require("umoci", "umoci").toString();
    String skopeo = RequiredTool.require("skopeo", "skopeo").toString();
    byte[] tar = tar("hello.txt", "hello from lading\n");
    byte[] layer = gzip(tar);
    Instant when = Instant.parse("2024-01-02T03:04:05Z");
    ImageConfig config = ImageConfig.scratch(Platform.parse("linux/amd64"))
        .withCreated(when)
        .withConfig(ImageConfig.RunConfig.EMPTY.withEnv(List.of("PATH=/bin")).withCmd(List.of("/hello"))
            .withLabels(Map.of("org.opencontainers.image.title", "hello")))
        .withLayer(Digest.of(tar), ImageConfig.History.layer(when, "lading test", null))
        .requireConsistentHistory();
    byte[] configBytes = Json.write(config);

    Path layout = dir.resolve("layout");
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Descriptor configDesc = writeBlob(layout, MediaTypes.OCI_CONFIG, configBytes);
    Descriptor layerDesc = writeBlob(layout, MediaTypes.OCI_LAYER_GZIP, layer);
    Descriptor oci = writeBlob(layout, MediaTypes.OCI_MANIFEST, Json.write(
        ImageManifest.of(ImageFormat.OCI, configDesc, List.of(layerDesc)).requireSingleFamily()));
    Files.write(layout.resolve("index.json"), Json.write(ImageIndex.of(ImageFormat.OCI,
        List.of(oci.withAnnotations(Map.of(Descriptor.REF_NAME, "oci"))))));

    // umoci checks every digest and the layer's diff ID while it unpacks.
    Path bundle = dir.resolve("bundle");
    run(umoci, "unpack", "--rootless", "--image", layout + ":oci", bundle.toString());
    assertEquals("hello from lading\n", Files.readString(bundle.resolve("rootfs/hello.txt")));

    // The Docker form goes through skopeo's dir: transport into a real registry, which validates
    // schema 2 manifests; the registry must then serve our exact bytes.
    byte[] dockerManifest = Json.write(
        ImageManifest.of(ImageFormat.DOCKER, configDesc, List.of(layerDesc)).requireSingleFamily());
    Path dockerDir = dir.resolve("docker");
    Files.createDirectories(dockerDir);
    Files.writeString(dockerDir.resolve("version"), "Directory Transport Version: 1.1\n");
    Files.write(dockerDir.resolve("manifest.json"), dockerManifest);
    Files.write(dockerDir.resolve(configDesc.digest().hex()), configBytes);
    Files.write(dockerDir.resolve(layerDesc.digest().hex()), layer);
    LocalRegistry registry = LocalRegistry.start();
    try {
      String target = "docker://" + registry.hostPort() + "/lading/hello:docker";
      run(skopeo, "copy", "--preserve-digests", "--dest-tls-verify=false", "dir:" + dockerDir, target);
      String served = run(skopeo, "inspect", "--raw", "--tls-verify=false", target);
      assertEquals(new String(dockerManifest, StandardCharsets.UTF_8), served.stripTrailing());
      JsonNode inspected = Json.read(
          run(skopeo, "inspect", "--config", "--tls-verify=false", target).getBytes(StandardCharsets.UTF_8),
          JsonNode.class, "skopeo output");
      assertEquals("/hello", inspected.path("config").path("Cmd").get(0).asText());
    } finally {
      registry.close();
    }
  }

  private static String run(String... command) throws IOException {
    return Processes.check(List.of(command), 60);
  }

  private static byte[] blob(Path layout, Digest digest) throws IOException {
    byte[] bytes = Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.hex()));
    assertEquals(digest, Digest.of(bytes));
    return bytes;
  }

  private static Descriptor writeBlob(Path layout, String mediaType, byte[] bytes) throws IOException {
    Digest digest = Digest.of(bytes);
    Files.write(layout.resolve("blobs/sha256").resolve(digest.hex()), bytes);
    return Descriptor.of(mediaType, digest, bytes.length);
  }

  private static byte[] tar(String name, String content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      byte[] data = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry entry = new TarArchiveEntry(name);
      entry.setSize(data.length);
      entry.setMode(0644);
      tar.putArchiveEntry(entry);
      tar.write(data);
      tar.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }
}
