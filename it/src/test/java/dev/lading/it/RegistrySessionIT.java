package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one {@code mvn package image:build image:push} says to the registry, read from the registry's
 * access log: the goals (and the modules of one build) share one client, so the registry is probed once,
 * and the push reuses what the build learnt (scheme, connections, tokens) instead of starting over.
 */
class RegistrySessionIT {
  private static final String OUR_AGENT = "\"lading-maven-plugin/";

  private static NestedMaven maven;
  private static LocalRegistry registry;

  @BeforeAll
  static void registryWithBaseImage() throws IOException {
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    maven = new NestedMaven("session");
    registry = LocalRegistry.startWithAccessLog();
    NestedMaven.pushBaseImage(registry.hostPort());
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  /** The registry's access-log lines of our requests, oldest first (the tests share the registry). */
  private static List<String> ourRequests() {
    return registry.log().lines().filter(l -> l.contains(OUR_AGENT)).toList();
  }

  @Test
  void buildAndPushTalkToTheRegistryAsOneClient() throws IOException {
    Path project = maven.copyProject("hello", "session");
    long before = ourRequests().size();
    Processes.Result r = maven.mvn(maven.settings("settings.xml", ""), project, registry.hostPort(),
        "package", "image:build", "image:push", "-Dimage.store=" + maven.work().resolve("store"),
        "-Dimage.to.image=" + registry.hostPort() + "/demo/session:1.0");
    assertEquals(0, r.exitCode(), r.output());

    List<String> ours = ourRequests().stream().skip(before).toList();
    assertTrue(ours.stream().anyMatch(l -> l.contains("\"PUT /v2/demo/session/manifests/1.0 ")), ours.toString());
    // One API version check (GET /v2/) for the whole run; each goal with its own client made two.
    assertEquals(1, ours.stream().filter(l -> l.contains("\"GET /v2/ HTTP/1.1\"")).count(), ours.toString());
  }

  @Test
  void modulesPushingToOneRegistryShareOneClient() throws IOException {
    Path project = maven.copyProject("multi", "session-multi");
    long before = ourRequests().size();
    Processes.Result r = maven.mvn(maven.settings("settings.xml", ""), project, registry.hostPort(),
        "-T", "2C", "package", "image:build", "image:push", "-Dimage.store=" + maven.work().resolve("store-multi"));
    assertEquals(0, r.exitCode(), r.output());

    List<String> ours = ourRequests().stream().skip(before).toList();
    assertTrue(ours.stream().anyMatch(l -> l.contains("\"PUT /v2/demo/app-a/manifests/1.0 "))
        && ours.stream().anyMatch(l -> l.contains("\"PUT /v2/demo/app-b/manifests/1.0 ")), ours.toString());
    // app-a and app-b, built at once, each build and push: still one API version check.
    assertEquals(1, ours.stream().filter(l -> l.contains("\"GET /v2/ HTTP/1.1\"")).count(), ours.toString());
  }
}
