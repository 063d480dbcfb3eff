package dev.lading.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lading.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ImageConfigTest {

  private static ImageConfig read(String resource) {
    return Json.read(Samples.bytes(resource), ImageConfig.class, "image config");
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-config.json", "oci-config.json"})
  void roundTripKeepsEveryField(String resource) {
    byte[] original = Samples.bytes(resource);
    byte[] rewritten = Json.write(read(resource));
    assertEquals(Samples.meaning(original), Samples.meaning(rewritten),
        new String(rewritten, StandardCharsets.UTF_8));
    // Writing what we read is stable: reading it back gives the same value and the same bytes.
    ImageConfig again = Json.read(rewritten, ImageConfig.class, "image config");
    assertEquals(read(resource), again);
    assertArrayEquals(rewritten, Json.write(again));
  }

  @Test
  void readsTheDockerConfigModelledFields() {
    ImageConfig config = read("docker-config.json");
    assertEquals(Platform.of("linux", "amd64"), config.platform());
    assertEquals(Optional.of(Instant.parse("2024-02-14T18:53:27.109246613Z")), config.createdInstant());
    ImageConfig.RunConfig run = config.config();
    assertEquals("nginx", run.user());
    assertEquals(Set.of("80/tcp", "443/tcp"), run.exposedPorts());
    assertEquals(Set.of("/var/cache/nginx"), run.volumes());
    assertEquals(List.of("/docker-entrypoint.sh"), run.entrypoint());
    assertEquals(List.of("nginx", "-g", "daemon off;"), run.cmd());
    assertEquals(Optional.of("1.25.4"), run.envValue("NGINX_VERSION"));
    assertEquals(Optional.empty(), run.envValue("NGINX"));
    assertEquals("", run.workingDir());
    assertEquals("SIGQUIT", run.stopSignal());
    assertEquals("NGINX Docker Maintainers <docker-maint@nginx.com>", run.labels().get("maintainer"));
    assertEquals(2, config.diffIds().size());
    assertEquals(5, config.history().size());
    assertTrue(config.history().get(0).addsLayer());
    assertFalse(config.history().get(1).addsLayer());
    assertEquals("buildkit.dockerfile.v0", config.history().get(3).comment());
    config.requireConsistentHistory();
  }

  @Test
  void keepsFieldsItDoesNotModel() {
    ImageConfig docker = read("docker-config.json");
    assertEquals(Set.of("container", "container_config", "docker_version"), docker.unknown().keySet());
    assertEquals("20.10.23", docker.unknown().get("docker_version").asText());
    assertEquals(3, docker.config().unknown().get("Healthcheck").get("Retries").asInt());
    assertTrue(docker.config().unknown().get("OnBuild").isNull());
    assertTrue(docker.config().unknown().containsKey("Shell"));

    ImageConfig oci = read("oci-config.json");
    JsonNode future = oci.unknown().get("future.field");
    assertEquals("12345678901234567890", future.get("big").asText());
    assertEquals(2.5, future.get("nested").get(1).asDouble());
    assertEquals("", oci.osVersion(), "an empty os.version is kept as written");
    assertEquals(List.of(), oci.config().cmd(), "an empty Cmd is kept: it is not the same as none");
  }

  @Test
  void editingKeepsUnknownFieldsAndHistoryConsistent() {
    ImageConfig base = read("docker-config.json");
    Digest diffId = Digest.ofUtf8("app layer");
    Instant when = Instant.parse("2024-06-01T00:00:00Z");
    ImageConfig.RunConfig run = base.config()
        .withEntrypoint(List.of("java", "-jar", "/app/app.jar"))
        .withCmd(null)
        .withWorkingDir("/app");
    ImageConfig edited = base
        .withConfig(run)
        .withLayer(diffId, ImageConfig.History.layer(when, "lading: application classes", null))
        .withHistoryEntry(ImageConfig.History.emptyLayer(when, "lading: ENTRYPOINT", null))
        .withCreated(when)
        .requireConsistentHistory();

    ImageConfig reread = Json.read(Json.write(edited), ImageConfig.class, "image config");
    assertEquals(edited, reread);
    assertEquals(base.unknown(), reread.unknown());
    assertEquals(base.config().unknown(), reread.config().unknown());
    assertEquals(diffId, reread.diffIds().get(2));
    assertEquals("2024-06-01T00:00:00Z", reread.created());
    assertNull(reread.config().cmd());
    assertEquals(7, reread.history().size());
  }

  @Test
  void unknownFieldsCannotBeChangedFromOutside() {
    ImageConfig config = read("oci-config.json");
    ((ObjectNode) config.unknown().get("future.field")).put("nested", "changed");
    assertEquals(2.5, config.unknown().get("future.field").get("nested").get(1).asDouble());
    assertThrows(UnsupportedOperationException.class, () -> config.unknown().clear());
  }

  @Test
  void sameValueGivesSameBytesWhateverTheInsertionOrder() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("b", "2");
    a.put("a", "1");
    Map<String, String> b = new LinkedHashMap<>();
    b.put("a", "1");
    b.put("b", "2");
    ImageConfig scratch = ImageConfig.scratch(Platform.parse("linux/arm64/v8"));
    byte[] first = Json.write(scratch.withConfig(ImageConfig.RunConfig.EMPTY.withLabels(a)
        .withExposedPorts(Set.of("8080/tcp", "443/tcp", "80/tcp"))));
    byte[] second = Json.write(scratch.withConfig(ImageConfig.RunConfig.EMPTY.withLabels(b)
        .withExposedPorts(Set.of("80/tcp", "8080/tcp", "443/tcp"))));
    assertArrayEquals(first, second);
    assertEquals("{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"config\":{"
        + "\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{},\"8080/tcp\":{}},\"Labels\":{\"a\":\"1\",\"b\":\"2\"}},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", new String(first, StandardCharsets.UTF_8));
  }

  @Test
  void rejectsInconsistentDocumentsClearly() {
    var badType = assertThrows(InvalidImageException.class, () -> Json.read(
        "{\"rootfs\":{\"type\":\"layered\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8),
        ImageConfig.class, "image config"));
    assertEquals("invalid image config: rootfs type must be \"layers\", found \"layered\"", badType.getMessage());

    ImageConfig config = read("oci-config.json")
        .withHistoryEntry(ImageConfig.History.layer(null, "a layer that is not in rootfs", null));
    var mismatch = assertThrows(InvalidImageException.class, config::requireConsistentHistory);
    assertTrue(mismatch.getMessage().contains("3 layers but 4 history entries"), mismatch.getMessage());

    assertThrows(IllegalArgumentException.class, () -> config.withLayer(Digest.ofUtf8("x"),
        ImageConfig.History.emptyLayer(null, "ENV", null)));
  }

  @Test
  void aJsonNullIsNotAConfig() {
    // Found by ImageDocumentFuzzTest: Jackson read the literal null as a null config.
    var e = assertThrows(InvalidImageException.class, () -> Json.read(
        "null".getBytes(StandardCharsets.UTF_8), ImageConfig.class, "image config"));
    assertEquals("invalid image config: expected a JSON object, found null", e.getMessage());
  }
}
