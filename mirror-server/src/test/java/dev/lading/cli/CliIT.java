package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code lading} jar as a process against a real registry, checked with skopeo and umoci. */
class CliIT {
  private static LocalRegistry registry;
  private static String base;

  @TempDir Path tmp;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = LocalRegistry.start();
    base = registry.hostPort() + "/library/minimal:1";
    BaseImages.push("minimal", base);
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void copiesFromRegistryToLayoutAndBackWithTheSameDigests() throws Exception {
    LadingJar lading = new LadingJar(tmp.resolve("store"));
    Path layout = tmp.resolve("layout");
    String pulled = lading.ok("copy", "docker://" + base, "oci:" + layout + ":x").trim();
    String lastLine = pulled.lines().reduce((a, b) -> b).orElseThrow();
    assertTrue(lastLine.startsWith("sha256:"), pulled);

    String skopeoLayout = skopeoInspect("oci:" + layout + ":x");
    String skopeoRegistry = skopeoInspect("docker://" + base);
    assertEquals(field(skopeoRegistry, "Digest"), field(skopeoLayout, "Digest"));
    assertEquals(Json.mapper().readTree(skopeoRegistry).get("Layers"),
        Json.mapper().readTree(skopeoLayout).get("Layers"));

    String pushedRef = registry.hostPort() + "/copies/minimal:2";
    lading.ok("copy", "oci:" + layout + ":x", "docker://" + pushedRef);
    assertEquals(field(skopeoRegistry, "Digest"), field(skopeoInspect("docker://" + pushedRef), "Digest"));

    Path bundle = tmp.resolve("bundle");
    Processes.check(List.of(RequiredTool.require("umoci", "umoci").toString(), "unpack", "--rootless",
        "--image", layout + ":x", bundle.toString()), 120);
    assertTrue(Files.isRegularFile(bundle.resolve("rootfs/etc/passwd")));
  }

  @Test
  void unpacksToTheSameTreeAsUmociAndRunsInAChroot() throws Exception {
    LadingJar lading = new LadingJar(tmp.resolve("store"));
    Path rootfs = tmp.resolve("rootfs");
    lading.ok("unpack", "docker://" + base, rootfs.toString());
    Path layout = tmp.resolve("layout");
    Processes.check(List.of(RequiredTool.require("skopeo", "skopeo").toString(), "copy",
        "--src-tls-verify=false", "docker://" + base, "oci:" + layout + ":x"), 120);
    Path bundle = tmp.resolve("bundle");
    Processes.check(List.of("umoci", "unpack", "--image", layout + ":x", bundle.toString()), 120);
    Processes.Result diff = Processes.run(
        List.of("diff", "-r", "--no-dereference", rootfs.toString(), bundle.resolve("rootfs").toString()), 60);
    assertEquals(0, diff.exitCode(), diff.output());
    if ("root".equals(System.getProperty("user.name"))) {
      String out = Processes.check(List.of("chroot", rootfs.toString(), "/bin/sh", "-c", "echo hello from $(uname -s)"), 30);
      assertEquals("hello from Linux", out.trim());
    }
  }

  @Test
  void storeAcceptsSkopeoAndUmociAndStaysCleanUnderFsck() throws Exception {
    Path store = tmp.resolve("store");
    LadingJar lading = new LadingJar(store);
    String ref = registry.hostPort() + "/library/minimal:1";
    lading.ok("copy", "docker://" + base, "store:" + ref);
    assertTrue(lading.ok("store", "ls").contains(ref));
    assertFalse(field(skopeoInspect("oci:" + store + ":" + ref), "Digest").isEmpty());
    Processes.check(List.of("umoci", "unpack", "--rootless", "--image", store + ":" + ref,
        tmp.resolve("b").toString()), 120);
    assertTrue(lading.ok("store", "fsck").contains("clean"));
    // gc with no grace keeps everything a named image needs.
    assertTrue(lading.ok("store", "gc", "--grace", "0s").startsWith("removed 0 blobs"));
    assertTrue(lading.ok("store", "fsck").contains("clean"));
    JsonNode inspect = Json.mapper().readTree(lading.ok("inspect", "store:" + ref));
    assertEquals("linux", inspect.get("config").get("os").asText());
  }

  @Test
  void convertsToDockerFormatAndArchives() throws Exception {
    LadingJar lading = new LadingJar(tmp.resolve("store"));
    String docker = registry.hostPort() + "/converted/minimal:v2s2";
    lading.ok("copy", "--format", "docker", "docker://" + base, "docker://" + docker);
    String raw = Processes.check(List.of("skopeo", "inspect", "--raw", "--tls-verify=false",
        "docker://" + docker), 60);
    assertEquals("application/vnd.docker.distribution.manifest.v2+json",
        Json.mapper().readTree(raw).get("mediaType").asText());

    Path dockerArchive = tmp.resolve("image.tar");
    lading.ok("copy", "docker://" + base, "docker-archive:" + dockerArchive + ":demo/minimal:1");
    assertFalse(skopeoInspect("docker-archive:" + dockerArchive).isEmpty());
    Path ociArchive = tmp.resolve("image-oci.tar");
    lading.ok("copy", "docker://" + base, "oci-archive:" + ociArchive + ":x");
    assertFalse(skopeoInspect("oci-archive:" + ociArchive + ":x").isEmpty());
  }

  @Test
  void failuresAreOneClearLineAndANonZeroExit() throws Exception {
    LadingJar lading = new LadingJar(tmp.resolve("store"));
    Processes.Result unknownTag = lading.run("copy", "docker://" + registry.hostPort() + "/library/minimal:nope",
        "oci:" + tmp.resolve("l") + ":x");
    assertEquals(1, unknownTag.exitCode(), unknownTag.output());
    assertTrue(unknownTag.output().startsWith("lading: "), unknownTag.output());
    assertFalse(unknownTag.output().contains("\tat "), "no stack trace: " + unknownTag.output());

    Processes.Result badLocation = lading.run("copy", "ftp://x", "oci:" + tmp.resolve("l"));
    assertEquals(1, badLocation.exitCode(), badLocation.output());
    assertTrue(badLocation.output().contains("docker://"), "names the accepted forms: " + badLocation.output());

    Processes.Result usage = lading.run("copy", "only-one-argument");
    assertEquals(2, usage.exitCode(), usage.output());
    assertTrue(usage.output().contains("--help"), usage.output());
  }

  @Test
  void everyCommandHasHelp() throws Exception {
    LadingJar lading = new LadingJar(null);
    for (String command : List.of("copy", "unpack", "inspect", "store")) {
      String help = lading.ok(command, "--help");
      assertTrue(help.contains("Usage: lading " + command), help);
    }
    assertTrue(lading.ok("--help").contains("docker-archive:PATH"));
  }

  private static String skopeoInspect(String location) throws Exception {
    return Processes.check(List.of(RequiredTool.require("skopeo", "skopeo").toString(), "inspect",
        "--tls-verify=false", location), 60);
  }

  private static String field(String json, String name) throws Exception {
    return Json.mapper().readTree(json).get(name).asText();
  }
}
