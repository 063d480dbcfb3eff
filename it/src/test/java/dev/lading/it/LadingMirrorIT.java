package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plugin through Lading's own mirror: a real Maven build pulls its base image through
 * {@code lading mirror} (pull-through from a real docker-registry) and pushes its image to the
 * mirror, which forwards it upstream, while the build uses the mirror's own store.
 */
class LadingMirrorIT {
  private static final Path LADING_JAR = Path.of(System.getProperty("it.ladingJar",
      "../mirror-server/target/lading.jar"));
  private static final Pattern SERVING = Pattern.compile("serving .* at http://([0-9.]+:[0-9]+)/v2/");

  private static NestedMaven maven;
  private static LocalRegistry upstream;
  private static Process mirror;
  private static Path mirrorLog;
  private static Path store;
  private static String host;

  @BeforeAll
  static void upstreamAndMirror() throws Exception {
    RequiredTool.require("skopeo", "skopeo");
    if (!Files.isRegularFile(LADING_JAR)) {
      fail(LADING_JAR + " is missing: build the reactor (mvn -pl it -am verify)");
    }
    maven = new NestedMaven("lading-mirror");
    upstream = LocalRegistry.startWithAccessLog();
    NestedMaven.pushBaseImage(upstream.hostPort());
    store = maven.work().resolve("shared-store");
    mirrorLog = maven.work().resolve("mirror.log");
    mirror = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", LADING_JAR.toString(), "mirror", "--store", store.toString(), "--listen",
        "127.0.0.1:0", "--upstream", "origin=http://" + upstream.hostPort())
        .redirectErrorStream(true).redirectOutput(mirrorLog.toFile()).start();
    for (int i = 0; i < 600 && mirror.isAlive() && host == null; i++) {
      Matcher m = SERVING.matcher(Files.readString(mirrorLog));
      if (m.find()) {
        host = m.group(1);
      } else {
        Thread.sleep(50);
      }
    }
    assertTrue(host != null, "the mirror did not start:\n" + Files.readString(mirrorLog));
  }

  @AfterAll
  static void stop() {
    if (mirror != null) {
      mirror.destroy();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void theBuildPullsItsBaseAndPushesItsImageThroughTheMirrorWhileSharingItsStore() throws Exception {
    Path project = maven.copyProject("hello", "hello");
    Path settings = maven.settings("settings.xml", "");
    // it.registry is the mirror: <from> is MIRROR/library/jre:17, <to> MIRROR/demo/hello:1.0.
    String build = maven.mvnOk(settings, project, host, "package", "image:build", "image:export",
        "image:push", "-Dimage.store=" + store).output();
    String digest = Files.readString(project.resolve("target/image.digest")).trim();

    // The base came from the upstream through the mirror: its layers once each (export needed them).
    String upstreamLog = upstream.log();
    JsonNode base = Skopeo.json("inspect", "--raw", "--tls-verify=false",
        "docker://" + upstream.hostPort() + "/library/jre:17");
    for (JsonNode layer : base.get("layers")) {
      String blobGet = "\"GET /v2/library/jre/blobs/" + layer.get("digest").asText();
      assertEquals(1, upstreamLog.lines().filter(l -> l.contains(blobGet)).count(),
          "one upstream fetch of " + layer.get("digest").asText() + "\n" + upstreamLog);
    }
    // Pushed to the mirror, answered from its store, and forwarded upstream from its outbox.
    assertEquals(digest, Skopeo.json("inspect", "--tls-verify=false", "docker://" + host
        + "/demo/hello:1.0").get("Digest").asText(), build);
    String forwarded = null;
    for (int i = 0; i < 600 && !digest.equals(forwarded); i++) {
      Processes.Result r = Processes.run(List.of("skopeo", "inspect", "--tls-verify=false",
          "--format", "{{.Digest}}", "docker://" + upstream.hostPort() + "/demo/hello:1.0"), 60);
      forwarded = r.exitCode() == 0 ? r.output().trim() : null;
      if (!digest.equals(forwarded)) {
        Thread.sleep(100);
      }
    }
    assertEquals(digest, forwarded, "forwarded upstream:\n" + Files.readString(mirrorLog));
    // The build's store is the mirror's: the pushed image is there under both names.
    Processes.Result ls = Processes.run(List.of(Path.of(System.getProperty("java.home"), "bin",
        "java").toString(), "-jar", LADING_JAR.toString(), "store", "ls", "--tags", "--store",
        store.toString()), 120);
    assertTrue(ls.output().lines().anyMatch(l -> l.endsWith(" " + host + "/demo/hello:1.0")), ls.output());
    assertTrue(ls.output().lines().anyMatch(l -> l.endsWith(" demo/hello:1.0")), "the mirror's tag: "
        + ls.output());
  }
}
