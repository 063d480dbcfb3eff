package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plugin run by a real Maven as {@code nobody} (home {@code /nonexistent}, no {@code HOME}), as CI
 * runs it under an arbitrary uid: a Dockerfile build with a RUN step ({@code dockerfile}) and the Java
 * image on a Dockerfile-built base ({@code fromdockerfile}), each built, pushed to a real registry and
 * run, with the store in the plugin's fallback place.
 *
 * <p>How nobody gets a Maven repository without reading {@code /root/.m2} (which it cannot): the outer
 * local repository is copied with {@code cp -al} (hard links: no bytes copied; only the new directories
 * are made world-readable, never the linked files, which are the outer repository's own) and served to
 * the nested Maven as a {@code file:} remote repository; its local repository is a copy of the IT
 * repository (the plugin under test) that nobody owns, and its settings file, project copies and
 * temporary directory are nobody's too, all in one work folder that nobody can reach. The outer build
 * runs as root (as CI's {@code .ci/run} does); without runuser or root this fails under {@code CI=true}
 * and is skipped elsewhere.
 */
class UnprivilegedMavenIT {
  private static final String USER = "nobody";
  private static final Path OUTER_REPO = Path.of(System.getProperty("it.outerRepo",
      System.getProperty("user.home") + "/.m2/repository"));
  private static final Path IT_REPO = Path.of(System.getProperty("it.repo", "target/it-repo"));
  private static final Path MAVEN_HOME = Path.of(System.getProperty("it.mavenHome", "/usr/share/maven"));

  private static LocalRegistry registry;
  private static Path work;
  private static Path settings;

  @BeforeAll
  static void setUp() throws IOException {
    Path runuser = RequiredTool.require("runuser", "util-linux");
    if (!Rootfs.isRoot()) {
      String message = "running Maven as " + USER + " needs the outer build to run as root (runuser)";
      if (RequiredTool.isCi()) {
        fail(message + "; CI runs as root");
      }
      Assumptions.abort(message);
    }
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    work = workFolder(runuser);
    registry = LocalRegistry.start();
    NestedMaven.pushBaseImage(registry.hostPort());

    Path outer = work.resolve("outer-repository");
    linkTree(OUTER_REPO, outer);
    Processes.check(List.of("find", outer.toString(), "-type", "d", "-exec", "chmod", "a+rx", "{}", "+"), 300);
    Path local = work.resolve("local-repository");
    Processes.check(List.of("cp", "-a", IT_REPO.toAbsolutePath() + "/.", local.toString()), 300);
    settings = NestedMaven.writeSettings(work.resolve("settings.xml"), local, outer, "");
    Files.createDirectories(work.resolve("tmp"));
    for (String project : List.of("dockerfile", "fromdockerfile")) {
      copy(NestedMaven.PROJECTS.resolve(project), work.resolve("projects").resolve(project));
    }
    // Everything nobody writes to is its own; the linked repository stays root's (read only).
    for (String mine : List.of("local-repository", "settings.xml", "tmp", "projects")) {
      Processes.check(List.of("chown", "-R", USER + ":", work.resolve(mine).toString()), 300);
    }
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (work != null && !work.startsWith(NestedMaven.WORK.toAbsolutePath())) {
      // Kept in the target folder for a look after a failure; a temporary one is removed.
      dev.lading.testing.TestFiles.deleteRecursively(work);
    }
  }

  /**
   * The work folder: in the IT's target folder when nobody can reach it (the same file system as the
   * outer repository, usually, so the hard links work), else in the temporary directory (a checkout
   * under /root is out of nobody's reach).
   */
  private static Path workFolder(Path runuser) throws IOException {
    Path inTarget = new NestedMaven("unprivileged").work().toAbsolutePath();
    Path folder = inTarget;
    if (Processes.run(List.of(runuser.toString(), "-u", USER, "--", "test", "-x", inTarget.toString()), 60)
        .exitCode() != 0) {
      folder = Files.createTempDirectory("lading-unprivileged-it");
    }
    Processes.check(List.of("chmod", "755", folder.toString()), 60);
    return folder;
  }

  /** A hard-linked copy of {@code from}; a full copy where hard links cannot reach (another file system). */
  private static void linkTree(Path from, Path to) throws IOException {
    Processes.Result linked = Processes.run(List.of("cp", "-al", from + "/.", to.toString()), 600);
    if (linked.exitCode() != 0) {
      dev.lading.testing.TestFiles.deleteRecursively(to);
      Processes.check(List.of("cp", "-a", from + "/.", to.toString()), 1800);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    Processes.check(List.of("cp", "-a", from + "/.", to.toString()), 60);
  }

  /**
   * Runs Maven as nobody with an environment of nothing but a PATH, JAVA_HOME, TMPDIR (and CI): no HOME,
   * so Java's user.home is nobody's /nonexistent, as for a CI job under an arbitrary uid.
   */
  private static Processes.Result mvnAsNobody(Path project, String... goals) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("runuser", "-u", USER, "--", "env", "-i",
        "PATH=/usr/local/bin:/usr/bin:/bin", "JAVA_HOME=" + System.getProperty("java.home"),
        "TMPDIR=" + work.resolve("tmp")));
    if (RequiredTool.isCi()) {
      cmd.add("CI=true");
    }
    cmd.addAll(NestedMaven.command(settings, project, registry.hostPort(), goals));
    Processes.Result result = Processes.run(cmd, 600);
    Files.writeString(work.resolve(project.getFileName() + "-" + System.nanoTime() + ".log"),
        String.join(" ", cmd) + "\n" + result.output());
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
    String output = mvnAsNobody(project, "package", "image:build", "image:push", "image:run").output();

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
