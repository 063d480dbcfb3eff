package dev.lading.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageIndexTest {

  private static ImageIndex read(String resource) {
    return Json.read(Samples.bytes(resource), ImageIndex.class, "image index");
  }

  private static Descriptor entry(String platform, int n) {
    return Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.ofUtf8("m" + n), 100)
        .withPlatform(platform == null ? null : Platform.parse(platform));
  }

  /** The entry select() picks, by the first 4 hex characters of its digest, or none. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "none", value = {
      "linux/amd64, 5fec",
      "linux/arm64, 4e07",     // the list says arm64/v8; a missing variant means v8
      "linux/arm64/v8, 4e07",
      "linux/arm/v7, d473",
      "linux/arm/v5, 6b86",
      "linux/arm, 6b86",       // no variant asked: the first arm entry, as the publisher ordered them
      "linux/arm/v6, none",    // v5 and v7 exist, v6 does not: no guessing
      "linux/386, 4b22",
      "linux/s390x, e7f6",
      "linux/riscv64, none",
      "windows/amd64, none",
  })
  void selectsFromADockerHubManifestList(String wanted, String digestPrefix) {
    Optional<Descriptor> picked = read("docker-manifest-list.json").select(Platform.parse(wanted));
    assertEquals(Optional.ofNullable(digestPrefix), picked.map(d -> d.digest().hex().substring(0, 4)));
  }

  @Test
  void arm64WithoutVariantMatchesAnExplicitV8() {
    ImageIndex index = read("oci-index-buildx.json");
    assertEquals("4fc8", index.select(Platform.parse("linux/arm64/v8")).orElseThrow().digest().hex().substring(0, 4));
    assertEquals(Optional.empty(), index.select(Platform.parse("linux/arm64/v9")));
  }

  @Test
  void prefersTheExactVariantOverAnEntryThatNamesNone() {
    ImageIndex index = ImageIndex.of(ImageFormat.OCI, List.of(
        entry("linux/arm", 1), entry("linux/arm/v6", 2), entry("linux/arm/v7", 3)));
    assertEquals(Digest.ofUtf8("m3"), index.select(Platform.parse("linux/arm/v7")).orElseThrow().digest());
    assertEquals(Digest.ofUtf8("m1"), index.select(Platform.parse("linux/arm/v8")).orElseThrow().digest(),
        "an entry without variant may serve any variant, when nothing better exists");
    assertEquals(Digest.ofUtf8("m1"), index.select(Platform.parse("linux/arm")).orElseThrow().digest(),
        "when no variant is asked for, the entry without one is the exact match");
  }

  @Test
  void neverSelectsAttestationsAndLeavesThemOutOfTheError() {
    ImageIndex index = read("oci-index-buildx.json");
    assertEquals(Optional.empty(), index.select(Platform.of("unknown", "unknown")));
    assertEquals(List.of(Platform.of("linux", "amd64"), Platform.of("linux", "arm64")), index.availablePlatforms());

    var e = assertThrows(NoMatchingPlatformException.class,
        () -> index.require(Platform.parse("linux/s390x"), "ghcr.io/example/app:1.0"));
    assertEquals("ghcr.io/example/app:1.0 has no image for linux/s390x; available platforms: linux/amd64,"
        + " linux/arm64 (set the platform to one of these)", e.getMessage());
    assertEquals(Platform.parse("linux/s390x"), e.wanted());
    assertEquals(2, e.available().size());
  }

  @Test
  void saysSoWhenAnIndexNamesNoPlatforms() {
    ImageIndex index = ImageIndex.of(ImageFormat.OCI, List.of(entry(null, 1)));
    var e = index.noMatch(Platform.parse("linux/amd64"), "localhost:5000/app:1");
    assertEquals("localhost:5000/app:1 has no image for linux/amd64; it names no platforms at all", e.getMessage());
  }

  @Test
  void buildsAnIndexOnlyFromManifestsOfItsFamily() {
    ImageIndex oci = ImageIndex.of(ImageFormat.OCI, List.of(entry("linux/amd64", 1), entry("linux/arm64", 2)));
    assertEquals(MediaTypes.OCI_INDEX, oci.mediaType());
    assertEquals(oci, Json.read(Json.write(oci), ImageIndex.class, "image index"));

    var mixed = assertThrows(InvalidImageException.class, () -> ImageIndex.of(ImageFormat.DOCKER,
        List.of(entry("linux/amd64", 1))));
    assertEquals("cannot write a DOCKER index: " + Digest.ofUtf8("m1").shortHex() + " is a "
        + MediaTypes.OCI_MANIFEST + "; write every manifest in DOCKER format first", mixed.getMessage());

    Descriptor dockerNoPlatform = Descriptor.of(MediaTypes.DOCKER_MANIFEST, Digest.ofUtf8("d"), 1);
    var noPlatform = assertThrows(InvalidImageException.class, () -> ImageIndex.of(ImageFormat.DOCKER,
        List.of(dockerNoPlatform)));
    assertTrue(noPlatform.getMessage().contains("has no platform (required in a Docker manifest list)"));

    Descriptor nested = Descriptor.of(MediaTypes.DOCKER_MANIFEST_LIST, Digest.ofUtf8("l"), 1)
        .withPlatform(Platform.of("linux", "amd64"));
    var nestedList = assertThrows(InvalidImageException.class, () -> ImageIndex.of(ImageFormat.DOCKER,
        List.of(nested)));
    assertTrue(nestedList.getMessage().contains("a Docker manifest list holds only image manifests"));

    ImageIndex dockerList = read("docker-manifest-list.json");
    assertEquals(dockerList, ImageIndex.of(ImageFormat.DOCKER, dockerList.manifests()));
  }

  @Test
  void keepsIndexAnnotationsSorted() {
    ImageIndex index = read("oci-index-buildx.json").withAnnotations(Map.of("z", "1", "a", "2"));
    assertEquals(List.of("a", "z"), List.copyOf(index.annotations().keySet()));
  }
}
