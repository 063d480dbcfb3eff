package dev.lading.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageManifestTest {
  private static final Digest CONFIG = Digest.ofUtf8("config");
  private static final Digest LAYER = Digest.ofUtf8("layer");

  private static ImageManifest read(String resource) {
    return Json.read(Samples.bytes(resource), ImageManifest.class, "image manifest");
  }

  @Test
  void writesCompactDeterministicJsonInSpecOrder() {
    ImageManifest manifest = ImageManifest.of(ImageFormat.OCI,
        Descriptor.of(MediaTypes.OCI_CONFIG, CONFIG, 123),
        List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, LAYER, 456)));
    String expected = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + CONFIG
        + "\",\"size\":123},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
        + "\"digest\":\"" + LAYER + "\",\"size\":456}]}";
    assertEquals(expected, new String(Json.write(manifest), StandardCharsets.UTF_8));
    // Annotations given in any order serialise alike.
    ImageManifest a = manifest.withAnnotations(Map.of("b", "2", "a", "1"));
    ImageManifest b = manifest.withAnnotations(new java.util.TreeMap<>(Map.of("a", "1", "b", "2")));
    assertEquals(new String(Json.write(a), StandardCharsets.UTF_8), new String(Json.write(b), StandardCharsets.UTF_8));
  }

  @Test
  void buildsADockerManifestFromOciDescriptorsByRelabellingThem() {
    ImageManifest manifest = ImageManifest.of(ImageFormat.DOCKER,
        Descriptor.of(MediaTypes.OCI_CONFIG, CONFIG, 123),
        List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, LAYER, 456),
            Descriptor.of(MediaTypes.OCI_LAYER_NONDIST_GZIP, LAYER, 456)));
    assertEquals(MediaTypes.DOCKER_MANIFEST, manifest.mediaType());
    assertEquals(ImageFormat.DOCKER, manifest.format());
    assertEquals(MediaTypes.DOCKER_CONFIG, manifest.config().mediaType());
    assertEquals(CONFIG, manifest.config().digest());
    assertEquals(List.of(MediaTypes.DOCKER_LAYER_GZIP, MediaTypes.DOCKER_LAYER_FOREIGN_GZIP),
        manifest.layers().stream().map(Descriptor::mediaType).toList());
    assertSame(manifest, manifest.requireSingleFamily());
  }

  @Test
  void convertsARealDockerManifestToOciAndBack() {
    ImageManifest docker = read("docker-manifest.json");
    ImageManifest oci = docker.convertTo(ImageFormat.OCI);
    assertEquals(MediaTypes.OCI_MANIFEST, oci.mediaType());
    assertEquals(MediaTypes.OCI_CONFIG, oci.config().mediaType());
    assertTrue(oci.layers().stream().allMatch(l -> l.mediaType().equals(MediaTypes.OCI_LAYER_GZIP)));
    assertEquals(docker.layers().stream().map(Descriptor::digest).toList(),
        oci.layers().stream().map(Descriptor::digest).toList());
    assertEquals(docker, oci.convertTo(ImageFormat.DOCKER));
  }

  @ParameterizedTest
  @CsvSource({
      MediaTypes.OCI_LAYER_ZSTD + ", layer 1",
      MediaTypes.OCI_LAYER_TAR + ", layer 1",
  })
  void refusesLayersDockerCannotCarry(String layerType, String which) {
    var e = assertThrows(InvalidImageException.class, () -> ImageManifest.of(ImageFormat.DOCKER,
        Descriptor.of(MediaTypes.OCI_CONFIG, CONFIG, 1), List.of(Descriptor.of(layerType, LAYER, 2))));
    assertEquals("cannot write " + which + " (" + LAYER + ") in DOCKER format: media type " + layerType
        + " has no Docker equivalent: Docker schema 2 manifests carry only gzip layers and the Docker"
        + " config type; write the image in OCI format, or use gzip layers", e.getMessage());
  }

  @Test
  void refusesToConvertOciOnlyFeaturesToDocker() {
    ImageManifest oci = read("oci-manifest.json");
    var e = assertThrows(InvalidImageException.class, () -> oci.convertTo(ImageFormat.DOCKER));
    assertTrue(e.getMessage().contains("Docker schema 2 cannot carry"), e.getMessage());
  }

  @Test
  void findsMixedFamiliesBeforeWriting() {
    ImageManifest mixed = read("docker-manifest.json").withLayers(List.of(
        Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, LAYER, 1),
        Descriptor.of(MediaTypes.OCI_LAYER_GZIP, LAYER, 1)));
    var e = assertThrows(InvalidImageException.class, mixed::requireSingleFamily);
    assertEquals("this DOCKER manifest mixes in media types of the other family: layer 2 "
        + MediaTypes.OCI_LAYER_GZIP + "; build it with ImageManifest.of(format, ...) or convertTo(format)",
        e.getMessage());
    assertEquals(MediaTypes.DOCKER_LAYER_GZIP,
        mixed.convertTo(ImageFormat.DOCKER).requireSingleFamily().layers().get(1).mediaType());
  }

  @Test
  void readsOciManifestFeatures() {
    ImageManifest oci = read("oci-manifest.json");
    assertEquals("docker.io/library/eclipse-temurin:21-jre",
        oci.annotations().get("org.opencontainers.image.base.name"));
    assertEquals("app.jar", oci.layers().get(2).annotation("org.opencontainers.image.title"));
    assertEquals(MediaTypes.OCI_LAYER_ZSTD, oci.layers().get(1).mediaType());
    assertSame(oci, oci.requireSingleFamily());

    ImageManifest withSubject = oci.withSubject(Descriptor.of(MediaTypes.OCI_MANIFEST, CONFIG, 10));
    assertEquals(withSubject, Json.read(Json.write(withSubject), ImageManifest.class, "image manifest"));
  }

  @Test
  void infersTheFamilyOfAManifestWithoutMediaTypeFromItsConfig() {
    assertEquals(ImageFormat.OCI, read("oci-manifest-no-mediatype.json").format());
    ImageManifest dockerish = new ImageManifest(2, null, null,
        Descriptor.of(MediaTypes.DOCKER_CONFIG, CONFIG, 1), List.of(), null, null);
    assertEquals(ImageFormat.DOCKER, dockerish.format());
    assertEquals(MediaTypes.DOCKER_MANIFEST, dockerish.contentType());
  }

  @Test
  void rejectsIncompleteManifestsClearly() {
    var noConfig = assertThrows(InvalidImageException.class, () -> Json.read(
        "{\"schemaVersion\":2,\"layers\":[]}".getBytes(StandardCharsets.UTF_8), ImageManifest.class, "image manifest"));
    assertEquals("invalid image manifest: image manifest has no config descriptor", noConfig.getMessage());
    var index = assertThrows(InvalidImageException.class, () -> new ImageManifest(2, MediaTypes.OCI_INDEX, null,
        Descriptor.of(MediaTypes.OCI_CONFIG, CONFIG, 1), List.of(), null, null));
    assertEquals("mediaType " + MediaTypes.OCI_INDEX + " is not an image manifest type (it is an index:"
        + " read it as an ImageIndex)", index.getMessage());
  }

  @Test
  void rejectsADescriptorWithAnEmptyMediaType() {
    // Found by ImageDocumentFuzzTest: it was read, then left out when written, so the written
    // document no longer read back.
    String json = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"\",\"digest\":\"" + CONFIG
        + "\",\"size\":1},\"layers\":[]}";
    var e = assertThrows(InvalidImageException.class,
        () -> ManifestDocument.parse(json.getBytes(StandardCharsets.UTF_8), null));
    assertEquals("invalid image manifest: descriptor " + CONFIG + " has an empty mediaType", e.getMessage());
  }
}
