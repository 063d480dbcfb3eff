package dev.lading.maven;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Plugin;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

/**
 * What the Maven model says about a project beyond the plugin's own configuration, read the way Jib
 * reads it: the Java version it compiles for, the jar plugin's main class, its jar, the modules of the
 * build. No image logic.
 */
final class ProjectFacts {
  private ProjectFacts() {}

  /** What {@link #javaVersion} found: the version, and the value it could not read (else null). */
  record JavaVersion(int major, String unreadable) {}

  /**
   * The Java version the project compiles for: {@code maven.compiler.release} or
   * {@code maven.compiler.target}, else the compiler plugin's {@code <release>} or {@code <target>};
   * 8 when none is set (the compiler plugin's own default) or the value is not a version.
   */
  static JavaVersion javaVersion(MavenProject project) {
    Properties p = project.getProperties();
    List<String> candidates = new ArrayList<>();
    candidates.add(p.getProperty("maven.compiler.release"));
    candidates.add(p.getProperty("maven.compiler.target"));
    for (String name : List.of("release", "target")) {
      candidates.add(pluginSetting(project, "maven-compiler-plugin", name));
    }
    for (String v : candidates) {
      if (v != null && !v.isBlank() && !v.contains("${")) {
        String version = v.trim().startsWith("1.") ? v.trim().substring(2) : v.trim();
        try {
          return new JavaVersion(Integer.parseInt(version), null);
        } catch (NumberFormatException e) {
          return new JavaVersion(8, v);
        }
      }
    }
    return new JavaVersion(8, null);
  }

  /**
   * The {@code <archive><manifest><mainClass>} of maven-jar-plugin, which Jib reads first when it infers
   * the main class: it names the application even before the jar is built or when several classes have
   * a main method.
   */
  static String jarPluginMainClass(MavenProject project) {
    String value = pluginSetting(project, "maven-jar-plugin", "archive", "manifest", "mainClass");
    return value == null || value.isBlank() || value.contains("${") ? null : value.trim();
  }

  /** The project's jar when it has been packaged, else null. */
  static Path projectJar(MavenProject project) {
    File jar = project.getArtifact() == null ? null : project.getArtifact().getFile();
    return jar == null || !jar.getName().endsWith(".jar") ? null : jar.toPath();
  }

  /** {@code groupId:artifactId:version} of every module of this build (the reactor). */
  static Set<String> moduleKeys(MavenSession session) {
    Set<String> keys = new HashSet<>();
    for (MavenProject p : modules(session)) {
      keys.add(p.getGroupId() + ":" + p.getArtifactId() + ":" + p.getVersion());
    }
    return keys;
  }

  /** The file names maven-war-plugin gives the modules' jars in WEB-INF/lib: artifactId-version.jar. */
  static Set<String> moduleJarNames(MavenSession session) {
    Set<String> names = new HashSet<>();
    for (MavenProject p : modules(session)) {
      names.add(p.getArtifactId() + "-" + p.getVersion() + ".jar");
    }
    return names;
  }

  /** Where maven-war-plugin leaves the exploded WAR: the build directory's {@code finalName}. */
  static Path explodedWar(MavenProject project) {
    String finalName = project.getBuild().getFinalName() != null ? project.getBuild().getFinalName()
        : project.getArtifactId() + "-" + project.getVersion();
    return Path.of(project.getBuild().getDirectory(), finalName);
  }

  private static List<MavenProject> modules(MavenSession session) {
    return session.getProjects() == null ? List.of() : session.getProjects();
  }

  /** A value of the POM's configuration of {@code org.apache.maven.plugins:<artifactId>}, by path. */
  private static String pluginSetting(MavenProject project, String artifactId, String... path) {
    Plugin plugin = project.getPlugin("org.apache.maven.plugins:" + artifactId);
    Xpp3Dom node = plugin == null || !(plugin.getConfiguration() instanceof Xpp3Dom c) ? null : c;
    for (String child : path) {
      node = node == null ? null : node.getChild(child);
    }
    return node == null ? null : node.getValue();
  }
}
