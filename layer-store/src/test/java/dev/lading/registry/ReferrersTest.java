package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.testing.LocalRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Referrers} against a real distribution 2.8 registry, which has no referrers API (404) and
 * answers no {@code OCI-Subject}: both sides of the referrers tag schema.
 */
class ReferrersTest {
  private static final byte[] EMPTY = "{}".getBytes(StandardCharsets.UTF_8);
  private final RegistryClient client = RegistryClient.builder().build();
  private final Referrers referrers = new Referrers(client);
  private String host;

  /** An artifact manifest with {@code subject}, its blob pushed to {@code repository}. */
  private byte[] referrer(String repository, String artifactType, Digest subject) throws Exception {
    Descriptor empty = Descriptor.of("application/vnd.oci.empty.v1+json", Digest.of(EMPTY), 2);
    client.pushBlob(host, repository, empty, BlobSource.of(EMPTY));
    String e = Json.mapper().writeValueAsString(empty);
    return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\""
        + artifactType + "\",\"config\":" + e + ",\"layers\":[" + e + "],\"subject\":{\"mediaType\":\""
        + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + subject + "\",\"size\":1},"
        + "\"annotations\":{\"by\":\"ReferrersTest\"}}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void keepsTheReferrersTagOnPushAndListsFromItWithoutTheApi() throws Exception {
    try (LocalRegistry registry = LocalRegistry.start()) {
      host = registry.hostPort();
      aPushWithoutOciSubjectKeepsTheTagAndListingFallsBackToIt();
      aReferrersTagThatIsNotAnIndexIsLeftAlone();
    }
  }

  private void aPushWithoutOciSubjectKeepsTheTagAndListingFallsBackToIt() throws Exception {
    TestImage image = TestImage.create(7, 100);
    Digest subject = image.push(client, host, "signed/app", "1");
    assertEquals(Referrers.Source.TAG, referrers.list(host, "signed/app", subject, null).source());
    assertEquals(List.of(), referrers.list(host, "signed/app", subject, null).manifests(),
        "no tag yet: no referrers");

    byte[] sig = referrer("signed/app", "application/vnd.example.sig", subject);
    byte[] sbom = referrer("signed/app", "application/vnd.example.sbom", subject);
    assertEquals(Referrers.Linked.ADDED_TO_TAG, referrers.putManifest(host, "signed/app",
        Digest.of(sig).toString(), sig, MediaTypes.OCI_MANIFEST));
    assertEquals(Referrers.Linked.ADDED_TO_TAG, referrers.putManifest(host, "signed/app",
        Digest.of(sbom).toString(), sbom, MediaTypes.OCI_MANIFEST));
    assertEquals(Referrers.Linked.ALREADY_IN_TAG, referrers.putManifest(host, "signed/app",
        Digest.of(sig).toString(), sig, MediaTypes.OCI_MANIFEST), "listed once");

    ManifestResponse tag = client.getManifest(host, "signed/app", Referrers.tagOf(subject));
    assertEquals(MediaTypes.OCI_INDEX, tag.mediaType());
    JsonNode first = Json.mapper().readTree(tag.bytes()).get("manifests").get(0);
    assertEquals("application/vnd.example.sig", first.get("artifactType").asText());
    assertEquals("ReferrersTest", first.get("annotations").get("by").asText());

    Referrers.Listing listed = referrers.list(host, "signed/app", subject, "application/vnd.example.sbom");
    assertEquals(List.of(Digest.of(sig), Digest.of(sbom)),
        listed.manifests().stream().map(Descriptor::digest).toList());
    assertEquals(false, listed.filtered(), "the tag is never filtered: the caller filters");
  }

  private void aReferrersTagThatIsNotAnIndexIsLeftAlone() throws Exception {
    TestImage image = TestImage.create(8, 100);
    Digest subject = image.push(client, host, "signed/odd", "1");
    image.push(client, host, "signed/odd", Referrers.tagOf(subject)); // an image, not an index
    byte[] sig = referrer("signed/odd", "application/vnd.example.sig", subject);
    assertEquals(Referrers.Linked.TAG_NOT_AN_INDEX, referrers.putManifest(host, "signed/odd",
        Digest.of(sig).toString(), sig, MediaTypes.OCI_MANIFEST));
    assertEquals(image.manifestDigest(), client.headManifest(host, "signed/odd",
        Referrers.tagOf(subject)).orElseThrow().digest(), "untouched");
    assertEquals(List.of(), referrers.list(host, "signed/odd", subject, null).manifests(),
        "not a valid index: no referrers");
  }
}
