package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mistakes a user makes, each reported as one Maven error line that says what is wrong and what to do,
 * with no Java stack trace unless {@code -e} asks for one.
 */
class ErrorsIT {
  private static NestedMaven maven;
  private static LocalRegistry registry;
  private static Path settings;
  private static Path hello;

  @BeforeAll
  static void registryAndPackagedProject() throws IOException {
    RequiredTool.require("docker-registry", "docker-registry");
    maven = new NestedMaven("errors");
    registry = LocalRegistry.start();
    NestedMaven.pushBaseImage(registry.hostPort());
    settings = maven.settings("settings.xml", "");
    hello = maven.copyProject("hello", "hello");
    maven.mvnOk(settings, hello, registry.hostPort(), "package");
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  /** Runs a build that must fail and returns its one error line about the goal. */
  private static String failure(Path project, String marker, String... args) throws IOException {
    Processes.Result r = maven.mvn(settings, project, registry.hostPort(), args);
    assertNotEquals(0, r.exitCode(), r.output());
    assertFalse(NestedMaven.hasStackTrace(r.output()), r.output());
    return SettingsIT.errorLine(r.output(), marker);
  }

  @Test
  void unknownBaseImageNamesTheImageAndTheRegistrysAnswer() throws IOException {
    String image = registry.hostPort() + "/library/nope:1";
    String error = failure(hello, "image:build failed", "image:build", "-Dimage.from.image=" + image,
        "-Dimage.store=" + maven.work().resolve("store"));
    assertTrue(error.contains("unknown base image " + image) && error.contains("UNKNOWN")
        && error.contains("from.image"), error);
  }

  @Test
  void noMainClassSaysToSetContainerMainClass() throws IOException {
    Path project = maven.copyProject("nomain", "nomain");
    String error = failure(project, "image:build failed", "package", "image:build",
        "-Dimage.store=" + maven.work().resolve("store"));
    assertTrue(error.contains("no main class found") && error.contains("<container><mainClass>"), error);
  }

  @Test
  void badPortIsNamed() throws IOException {
    String error = failure(hello, "image:build failed", "image:build", "-Dimage.container.ports=abc",
        "-Dimage.store=" + maven.work().resolve("store"));
    assertTrue(error.contains("bad port 'abc'") && error.contains("8080"), error);
  }

  @Test
  void badPlatformIsNamedAndMinusEShowsTheTrace() throws IOException {
    String error = failure(hello, "image:build failed", "image:build", "-Dimage.from.platforms=linux",
        "-Dimage.store=" + maven.work().resolve("store"));
    assertTrue(error.contains("bad platform 'linux'") && error.contains("linux/amd64"), error);
    Processes.Result withTrace = maven.mvn(settings, hello, registry.hostPort(), "-e", "image:build",
        "-Dimage.from.platforms=linux", "-Dimage.store=" + maven.work().resolve("store"));
    assertTrue(NestedMaven.hasStackTrace(withTrace.output()), withTrace.output());
  }
}
