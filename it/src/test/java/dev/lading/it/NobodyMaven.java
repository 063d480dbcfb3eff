package dev.lading.it;

import static org.junit.jupiter.api.Assertions.fail;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Maven run as {@code nobody} (home {@code /nonexistent}, no {@code HOME}), as CI runs it under
 * an arbitrary uid.
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
final class NobodyMaven {
  static final String USER = "nobody";
  private static final Path OUTER_REPO = Path.of(System.getProperty("it.outerRepo",
      System.getProperty("user.home") + "/.m2/repository"));
  private static final Path IT_REPO = Path.of(System.getProperty("it.repo", "target/it-repo"));

  private final Path work;
  private final Path settings;

  private NobodyMaven(Path work, Path settings) {
    this.work = work;
    this.settings = settings;
  }

  /** Prepares the work folder {@code name} (repositories, settings, temp dir), all nobody's. */
  static NobodyMaven prepare(String name) throws IOException {
    Path runuser = RequiredTool.require("runuser", "util-linux");
    if (!Rootfs.isRoot()) {
      String message = "running Maven as " + USER + " needs the outer build to run as root (runuser)";
      if (RequiredTool.isCi()) {
        fail(message + "; CI runs as root");
      }
      Assumptions.abort(message);
    }
    Path work = workFolder(runuser, name);
    Path outer = work.resolve("outer-repository");
    linkTree(OUTER_REPO, outer);
    Processes.check(List.of("find", outer.toString(), "-type", "d", "-exec", "chmod", "a+rx", "{}", "+"), 300);
    Path local = work.resolve("local-repository");
    Processes.check(List.of("cp", "-a", IT_REPO.toAbsolutePath() + "/.", local.toString()), 300);
    Path settings = NestedMaven.writeSettings(work.resolve("settings.xml"), local, outer, "");
    Files.createDirectories(work.resolve("tmp"));
    // Everything nobody writes to is its own; the linked repository stays root's (read only).
    for (String mine : List.of("local-repository", "settings.xml", "tmp")) {
      chown(work.resolve(mine));
    }
    return new NobodyMaven(work, settings);
  }

  Path work() {
    return work;
  }

  /** A copy of sample project {@code name} in the work folder, as {@code as}, owned by nobody. */
  Path copyProject(String name, String as) throws IOException {
    Path to = work.resolve("projects").resolve(as);
    Files.createDirectories(to);
    Processes.check(List.of("cp", "-a", NestedMaven.PROJECTS.resolve(name) + "/.", to.toString()), 60);
    chown(to);
    return to;
  }

  /** Makes {@code path} (recursively) nobody's. */
  static void chown(Path path) throws IOException {
    Processes.check(List.of("chown", "-R", USER + ":", path.toString()), 300);
  }

  /** Runs {@code command} as nobody with an environment of nothing but PATH, JAVA_HOME, TMPDIR (and CI). */
  Processes.Result run(List<String> command, int timeoutSeconds) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("runuser", "-u", USER, "--", "env", "-i",
        "PATH=/usr/local/bin:/usr/bin:/bin", "JAVA_HOME=" + System.getProperty("java.home"),
        "TMPDIR=" + work.resolve("tmp")));
    if (RequiredTool.isCi()) {
      cmd.add("CI=true");
    }
    cmd.addAll(command);
    return Processes.run(cmd, timeoutSeconds);
  }

  /**
   * Runs Maven as nobody: no HOME, so Java's user.home is nobody's /nonexistent. The output is kept in
   * the work folder for a look after a failure.
   */
  Processes.Result mvn(Path project, String registry, String... goals) throws IOException {
    List<String> cmd = NestedMaven.command(settings, project, registry, goals);
    Processes.Result result = run(cmd, 600);
    Files.writeString(work.resolve(project.getFileName() + "-" + System.nanoTime() + ".log"),
        String.join(" ", cmd) + "\n" + result.output());
    return result;
  }

  /** Removes the work folder unless it is in the target folder (kept there for a look). */
  void cleanUp() {
    if (!work.startsWith(NestedMaven.WORK.toAbsolutePath())) {
      dev.lading.testing.TestFiles.deleteRecursively(work);
    }
  }

  /**
   * The work folder: in the IT's target folder when nobody can reach it (the same file system as the
   * outer repository, usually, so the hard links work), else in the temporary directory (a checkout
   * under /root is out of nobody's reach).
   */
  private static Path workFolder(Path runuser, String name) throws IOException {
    Path folder = new NestedMaven(name).work().toAbsolutePath();
    if (Processes.run(List.of(runuser.toString(), "-u", USER, "--", "test", "-x", folder.toString()), 60)
        .exitCode() != 0) {
      folder = Files.createTempDirectory("lading-" + name + "-it");
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
}
