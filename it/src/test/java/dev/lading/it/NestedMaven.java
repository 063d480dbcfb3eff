package dev.lading.it;

import dev.lading.testing.Processes;
import dev.lading.testing.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs Maven on copies of the sample projects of {@code src/it} for the failsafe ITs, those that need
 * servers of their own (a registry with auth, a proxy, a mirror that goes down, a two-platform base)
 * or two builds at once: the plugin from the IT repository, everything else from the outer local
 * repository, as the invoker ITs do. Each IT class gets its own work folder.
 */
final class NestedMaven {
  static final Path PROJECTS = Path.of(System.getProperty("it.projects", "src/it"));
  static final Path WORK = Path.of(System.getProperty("it.work", "target/it"));
  static final Path TOOLS = Path.of(System.getProperty("it.tools", "../tools"));
  private static final Path REPO = Path.of(System.getProperty("it.repo", "target/it-repo"));
  private static final String MVN = Path.of(System.getProperty("it.mavenHome", "/usr/share/maven"), "bin", "mvn")
      .toString();
  static final String VERSION = System.getProperty("it.pluginVersion", "0.1.0-SNAPSHOT");

  private final Path work;

  NestedMaven(String name) throws IOException {
    this.work = WORK.resolve(name);
    TestFiles.deleteRecursively(work);
    Files.createDirectories(work);
  }

  Path work() {
    return work;
  }

  /**
   * A settings.xml in the work folder with the IT repositories plus {@code extra} XML (servers,
   * proxies, mirrors: whole elements of {@code <settings>}).
   */
  Path settings(String name, String extra) throws IOException {
    Path outer = Path.of(System.getProperty("it.outerRepo", System.getProperty("user.home") + "/.m2/repository"));
    return writeSettings(work.resolve(name), REPO.toAbsolutePath(), outer, extra);
  }

  /**
   * Writes settings that take the plugin from {@code localRepository} and everything else from
   * {@code outerRepository} as a {@code file:} repository, plus {@code extra} XML.
   */
  static Path writeSettings(Path file, Path localRepository, Path outerRepository, String extra)
      throws IOException {
    String outer = outerRepository.toUri().toString();
    Files.writeString(file, """
        <settings>
          <localRepository>%s</localRepository>
          %s
          <profiles><profile><id>outer</id>
            <repositories><repository><id>outer-local</id><url>%s</url></repository></repositories>
            <pluginRepositories><pluginRepository><id>outer-local</id><url>%s</url></pluginRepository></pluginRepositories>
          </profile></profiles>
          <activeProfiles><activeProfile>outer</activeProfile></activeProfiles>
        </settings>
        """.formatted(localRepository, extra, outer, outer), StandardCharsets.UTF_8);
    return file;
  }

  /** A fresh copy of sample project {@code name} as {@code as} in the work folder. */
  Path copyProject(String name, String as) throws IOException {
    Path from = PROJECTS.resolve(name);
    Path to = work.resolve(as);
    TestFiles.deleteRecursively(to);
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return to;
  }

  /** The command line for a nested Maven run; {@code registry} fills the sample's {@code it.registry}. */
  static List<String> command(Path settings, Path project, String registry, String... args) {
    List<String> cmd = new ArrayList<>(List.of(MVN, "-B", "-s", settings.toString(), "-f",
        project.resolve("pom.xml").toString(), "-Dit.registry=" + registry, "-Dlading.version=" + VERSION));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Runs Maven and keeps its output next to the project, for a look after a failure. */
  Processes.Result mvn(Path settings, Path project, String registry, String... args) throws IOException {
    List<String> cmd = command(settings, project, registry, args);
    Processes.Result result = Processes.run(cmd, 300);
    Files.writeString(project.resolve("build-" + System.nanoTime() + ".log"), String.join(" ", cmd) + "\n"
        + result.output());
    return result;
  }

  Processes.Result mvnOk(Path settings, Path project, String registry, String... args) throws IOException {
    Processes.Result r = mvn(settings, project, registry, args);
    if (r.exitCode() != 0) {
      throw new AssertionError("mvn " + String.join(" ", args) + " failed:\n" + r.output());
    }
    return r;
  }

  /** Pushes the JRE base image (cached by make-base-image.sh) to {@code hostPort/library/jre:17}. */
  static void pushBaseImage(String hostPort) throws IOException {
    Processes.check(List.of("bash", TOOLS.resolve("make-base-image.sh").toString(), "jre", "--push",
        hostPort + "/library/jre:17"), 900);
  }

  /** The {@code [ERROR]} lines of a failed build, and whether Maven printed a Java stack trace. */
  static boolean hasStackTrace(String output) {
    return output.lines().anyMatch(l -> l.matches("\\s+at [\\w$.]+\\(.*\\)") || l.contains("Caused by:"));
  }

}
