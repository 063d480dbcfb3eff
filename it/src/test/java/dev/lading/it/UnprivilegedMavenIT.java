package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plugin run by a real Maven as {@code nobody} (home {@code /nonexistent}, no {@code HOME}; see
 * {@link NobodyMaven}): a Dockerfile build with a RUN step ({@code dockerfile}) and the Java image on a
 * Dockerfile-built base ({@code fromdockerfile}), each built, pushed to a real registry and run, with
 * the store in the plugin's fallback place.
 */
class UnprivilegedMavenIT {
  private static final String USER = NobodyMaven.USER;

  private static LocalRegistry registry;
  private static NobodyMaven nobody;
  private static Path work;

  @BeforeAll
  static void setUp() throws IOException {
    nobody = NobodyMaven.prepare("unprivileged");
    work = nobody.work();
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    registry = LocalRegistry.start();
    NestedMaven.pushBaseImage(registry.hostPort());
    for (String project : List.of("dockerfile", "fromdockerfile")) {
      nobody.copyProject(project, project);
    }
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (nobody != null) {
      nobody.cleanUp();
    }
  }

  private static Processes.Result mvnAsNobody(Path project, String... goals) throws IOException {
    Processes.Result result = nobody.mvn(project, registry.hostPort(), goals);
    assertEquals(0, result.exitCode(), result.output());
    return result;
  }

  /** The store the plugin fell back to: nobody's home is missing, so its temporary directory. */
  private static void assertFellBackToTheTemporaryStore(String output) throws IOException {
    Path store = work.resolve("tmp/lading-" + USER + "/store");
    assertTrue(output.contains("using the store " + store + " (/nonexistent/.lading/store "), output);
    assertEquals(USER, Files.getOwner(store).getName());
  }

  private static String pushedDigest(String repository) throws IOException {
    return Skopeo.json("inspect", "--tls-verify=false", "docker://" + registry.hostPort() + "/" + repository)
        .get("Digest").asText();
  }

  @Test
  void aDockerfileWithARunStepIsBuiltPushedAndRunAsNobody() throws IOException {
    Path project = work.resolve("projects/dockerfile");
    String output;
    // The socket the sample's <sshAgents> names, which its prebuild hook makes under the invoker.
    try (java.nio.channels.ServerSocketChannel agent = java.nio.channels.ServerSocketChannel.open(
        java.net.StandardProtocolFamily.UNIX)) {
      agent.bind(java.net.UnixDomainSocketAddress.of(project.resolve("agent.sock")));
      output = mvnAsNobody(project, "package", "image:build", "image:push", "image:run").output();
    }

    assertFellBackToTheTemporaryStore(output);
    assertTrue(output.contains("executor: fakechroot"), output);
    assertTrue(output.contains("(Dockerfile: 2 layers built, 0 from the step cache)"), output);
    assertTrue(output.contains("  Hello from a Dockerfile: built-by-run"), output);
    assertFalse(output.contains("/root/.m2"), "nobody's Maven must not look into root's repository");
    assertEquals(Files.readString(project.resolve("target/image.digest")).trim(),
        pushedDigest("demo/dockerfile:1.0"));
    assertEquals(USER, Files.getOwner(project.resolve("target/image.digest")).getName());
  }

  @Test
  void theJavaImageOnADockerfileBaseIsBuiltPushedAndRunAsNobody() throws IOException {
    Path project = work.resolve("projects/fromdockerfile");
    String output = mvnAsNobody(project, "package", "image:build", "image:push", "image:run").output();

    assertFellBackToTheTemporaryStore(output);
    assertTrue(output.contains("built from src/main/docker/Dockerfile (layers: 1 built, 0 from the step cache)"),
        output);
    // The Java entrypoint, run as the Dockerfile's USER, reads the file the RUN step made.
    assertTrue(output.contains("  Hello from Java on a Dockerfile base: made-by-run"), output);
    assertEquals(Files.readString(project.resolve("target/image.digest")).trim(),
        pushedDigest("demo/fromdockerfile:1.0"));
  }
}
