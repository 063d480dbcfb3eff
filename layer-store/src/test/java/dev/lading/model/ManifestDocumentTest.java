package dev.lading.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManifestDocumentTest {

  @ParameterizedTest(name = "{0} announced as ''{1}''")
  @CsvSource(nullValues = "null", value = {
      "docker-manifest.json, application/vnd.docker.distribution.manifest.v2+json, ImageManifest, DOCKER",
      "docker-manifest.json, null, ImageManifest, DOCKER",
      "docker-manifest.json, application/json; charset=utf-8, ImageManifest, DOCKER",
      "docker-manifest-list.json, application/vnd.docker.distribution.manifest.list.v2+json, ImageIndex, DOCKER",
      "docker-manifest-list.json, application/octet-stream, ImageIndex, DOCKER",
      "oci-manifest.json, application/vnd.oci.image.manifest.v1+json, ImageManifest, OCI",
      "oci-manifest.json, '', ImageManifest, OCI",
      "oci-index-buildx.json, application/vnd.oci.image.index.v1+json, ImageIndex, OCI",
      "oci-index-buildx.json, null, ImageIndex, OCI",
      "oci-manifest-no-mediatype.json, application/vnd.oci.image.manifest.v1+json, ImageManifest, OCI",
      "oci-manifest-no-mediatype.json, null, ImageManifest, OCI",
  })
  void readsEachKindFromTheHeaderOrTheDocument(String resource, String contentType, String kind,
      ImageFormat format) {
    byte[] bytes = Samples.bytes(resource);
    ManifestDocument doc = ManifestDocument.parse(bytes, contentType);
    assertEquals(kind, doc.getClass().getSimpleName());
    assertEquals(format, doc.format());
    assertEquals(2, doc.schemaVersion());
    // A round trip keeps what the document means.
    assertEquals(Samples.meaning(bytes), Samples.meaning(Json.write(doc)));
    assertEquals(doc, ManifestDocument.parse(Json.write(doc), doc.contentType()));
  }

  @Test
  void anOciManifestWithoutMediaTypeStaysWithoutIt() {
    ManifestDocument doc = ManifestDocument.parse(Samples.bytes("oci-manifest-no-mediatype.json"), null);
    assertNull(doc.mediaType());
    assertEquals(MediaTypes.OCI_MANIFEST, doc.contentType());
    assertTrue(new String(Json.write(doc), StandardCharsets.UTF_8).startsWith("{\"schemaVersion\":2,\"config\":"));
  }

  @Test
  void anIndexWithoutMediaTypeIsDetectedByItsShape() {
    byte[] json = ("{\"schemaVersion\":2,\"manifests\":[]}").getBytes(StandardCharsets.UTF_8);
    ImageIndex index = assertInstanceOf(ImageIndex.class, ManifestDocument.parse(json, "text/plain"));
    assertEquals(MediaTypes.OCI_INDEX, index.contentType());
    assertArrayEquals(json, Json.write(index), "an empty manifests array is required, so it is written");
  }

  @Test
  void refusesSchema1WhetherAnnouncedOrNot() {
    byte[] json = Samples.bytes("schema1-manifest.json");
    for (String type : new String[] {
        MediaTypes.DOCKER_MANIFEST_V1_SIGNED, MediaTypes.DOCKER_MANIFEST_V1, null, "application/json"}) {
      var e = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(json, type));
      assertEquals("schema 1 manifests are deprecated; re-push the image with a current client", e.getMessage());
    }
  }

  @Test
  void refusesAHeaderThatContradictsTheDocument() {
    var e = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        Samples.bytes("docker-manifest.json"), MediaTypes.OCI_INDEX));
    assertEquals("the registry announced a application/vnd.oci.image.index.v1+json but the document says it is a"
        + " application/vnd.docker.distribution.manifest.v2+json; refusing an ambiguous manifest", e.getMessage());
  }

  @Test
  void refusesAHeaderThatNamesTheWrongShape() {
    // No mediaType in the body to contradict the header, but an index needs a manifests array.
    var e = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        Samples.bytes("oci-manifest-no-mediatype.json"), MediaTypes.OCI_INDEX));
    assertEquals("invalid image index: image index has no manifests array", e.getMessage());
  }

  @Test
  void refusesUnknownOrUnreadableDocuments() {
    var unsupported = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        "{}".getBytes(StandardCharsets.UTF_8), "application/vnd.oci.artifact.manifest.v1+json"));
    assertTrue(unsupported.getMessage().startsWith(
        "unsupported manifest media type 'application/vnd.oci.artifact.manifest.v1+json' (expected one of "),
        unsupported.getMessage());

    var shapeless = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8), null));
    assertTrue(shapeless.getMessage().startsWith("cannot tell what kind of manifest this is"));

    var notJson = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        "<html>rate limited</html>".getBytes(StandardCharsets.UTF_8), null));
    assertTrue(notJson.getMessage().startsWith("invalid manifest: "), notJson.getMessage());

    var array = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        "[]".getBytes(StandardCharsets.UTF_8), null));
    assertEquals("invalid manifest: expected a JSON object, found ARRAY", array.getMessage());

    var badDigest = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        new String(Samples.bytes("docker-manifest.json"), StandardCharsets.UTF_8)
            .replace("sha256:2c62", "sha256:XX62").getBytes(StandardCharsets.UTF_8), null));
    assertTrue(badDigest.getMessage().startsWith("invalid image manifest: "), badDigest.getMessage());

    var version = assertThrows(InvalidImageException.class, () -> ManifestDocument.parse(
        "{\"schemaVersion\":3,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8), null));
    assertEquals("invalid image index: image index schemaVersion must be 2, found 3", version.getMessage());
  }
}
