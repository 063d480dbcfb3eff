package dev.lading.maven;

import java.util.ArrayList;
import java.util.List;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.configuration.PlexusConfiguration;

/** What a POM written for Jib gets here: its properties read, its other settings named when ignored. */
final class JibCompatibility {
  private JibCompatibility() {}

  /**
   * Says once per build which {@code jib.*} properties were read under Jib's names, and warns about
   * those that have no effect here (the ignored ones, and names Jib does not know either: typos).
   */
  static void reportProperties(Log log, MavenSession session, SettingProperties properties) {
    SettingProperties.JibReport report = properties.jibProperties();
    List<String> read = new ArrayList<>();
    for (String jib : report.aliases().keySet()) {
      if (SessionOnce.first(session, "jib property " + jib)) {
        read.add(jib);
      }
    }
    if (!read.isEmpty()) {
      log.info("read under Jib's names (as image.*): " + String.join(", ", read));
    }
    report.ignored().forEach((jib, why) -> {
      if (SessionOnce.first(session, "jib property " + jib)) {
        log.warn(jib + " is ignored: " + why);
      }
    });
    for (String jib : report.unknown()) {
      if (SessionOnce.first(session, "jib property " + jib)) {
        log.warn(jib + " is not a setting of Jib or of this plugin: ignored (a typo?)");
      }
    }
  }

  /**
   * False when {@code only} (image.containerize, Jib's jib.containerize: {@code groupId:artifactId},
   * {@code :artifactId} or a module directory) names another module, as Skaffold uses it.
   */
  static boolean containerized(String only, MavenProject project) {
    if (only == null) {
      return true;
    }
    if (only.equals(project.getGroupId() + ":" + project.getArtifactId())
        || only.equals(":" + project.getArtifactId())) {
      return true;
    }
    return !only.contains(":") && project.getBasedir() != null && project.getBasedir().toPath().endsWith(only);
  }

  /** Warns that a Jib setting is ignored, once per module and build (image:build and image:push would both). */
  static void warnIgnored(Log log, MavenSession session, MavenProject project, String logPrefix,
      PlexusConfiguration setting, String why) {
    if (setting != null && (setting.getChildCount() > 0 || setting.getValue(null) != null)
        && SessionOnce.first(session, "ignored <" + setting.getName() + "> of " + project.getId())) {
      log.warn(logPrefix + "<" + setting.getName() + "> is ignored: " + why);
    }
  }
}
