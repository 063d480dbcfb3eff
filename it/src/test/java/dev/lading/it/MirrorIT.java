package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Base-image pulls through a real pull-through mirror (docker-registry with {@code proxy: remoteurl:}
 * in front of the origin registry), and the fall back to the origin when the mirror is down.
 */
class MirrorIT {
  private static NestedMaven maven;
  private static LocalRegistry origin;
  private static LocalRegistry mirror;
  private static Path settings;
  private static Path project;

  @BeforeAll
  static void originAndMirror() throws IOException {
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    maven = new NestedMaven("mirror");
    origin = LocalRegistry.start();
    NestedMaven.pushBaseImage(origin.hostPort());
    mirror = LocalRegistry.start(List.of("proxy:", "  remoteurl: http://" + origin.hostPort()));
    settings = maven.settings("settings.xml", "");
    project = maven.copyProject("hello", "hello");
  }

  @AfterAll
  static void stop() {
    for (LocalRegistry r : new LocalRegistry[] {origin, mirror}) {
      if (r != null) {
        r.close();
      }
    }
  }

  @Test
  void pullsViaTheMirrorThenFallsBackToTheOriginWhenItIsDown() throws IOException, InterruptedException {
    String mirrorUrl = "-Dimage.mirror=http://" + mirror.hostPort();
    // export needs the base layers, so they are pulled too, not only the manifest and config.
    Processes.Result viaMirror = maven.mvnOk(settings, project, origin.hostPort(), "package", "image:build",
        "image:export", mirrorUrl, "-Dimage.store=" + maven.work().resolve("store-mirror"));
    assertFalse(viaMirror.output().contains("mirror " + mirror.hostPort() + " failed"), viaMirror.output());
    JsonNode base = Json.mapper().readTree(Processes.check(List.of("skopeo", "inspect", "--tls-verify=false",
        "--raw", "docker://" + origin.hostPort() + "/library/jre:17"), 60));
    List<String> blobs = new ArrayList<>();
    blobs.add(base.get("config").get("digest").asText());
    base.get("layers").forEach(l -> blobs.add(l.get("digest").asText()));
    for (String digest : blobs) {
      Path cached = mirror.root().resolve("data/docker/registry/v2/blobs/sha256")
          .resolve(digest.substring(7, 9)).resolve(digest.substring(7)).resolve("data");
      // The mirror stores what it served once the download completed.
      for (int i = 0; i < 100 && !Files.isRegularFile(cached); i++) {
        Thread.sleep(100);
      }
      assertTrue(Files.isRegularFile(cached), "the mirror did not cache " + digest + ":\n" + mirror.log());
    }

    String down = mirror.hostPort();
    mirror.close();
    Processes.Result fallback = maven.mvnOk(settings, project, origin.hostPort(), "image:build", mirrorUrl,
        "-Dimage.store=" + maven.work().resolve("store-fallback"));
    assertTrue(fallback.output().contains("mirror " + down + " failed for library/jre:17")
        && fallback.output().contains("pulling from " + origin.hostPort() + " instead"), fallback.output());
    assertEquals(Files.readString(project.resolve("target/image.digest")).isBlank(), false);
  }
}
