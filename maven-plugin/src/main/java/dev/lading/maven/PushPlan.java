package dev.lading.maven;

import java.util.List;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.project.MavenProject;

/** Whether image:push runs later in this Maven invocation (Jib's build goal pushed; ours says when not). */
final class PushPlan {
  static final String PLUGIN_KEY = "dev.lading:image-maven-plugin";
  /** Maven's default lifecycle, in order. */
  private static final List<String> PHASES = List.of("validate", "initialize", "generate-sources",
      "process-sources", "generate-resources", "process-resources", "compile", "process-classes",
      "generate-test-sources", "process-test-sources", "generate-test-resources", "process-test-resources",
      "test-compile", "process-test-classes", "test", "prepare-package", "package", "pre-integration-test",
      "integration-test", "post-integration-test", "verify", "install", "deploy");
  /** image:push's default phase. */
  private static final String PUSH_PHASE = "deploy";

  private PushPlan() {}

  /**
   * True when image:push runs later in this build for {@code project}: named on the command line, or
   * bound in the project's {@code <executions>} to a phase the command line reaches.
   */
  static boolean follows(MavenSession session, MavenProject project) {
    List<String> goals = session.getGoals();
    if (goals == null) {
      return false;
    }
    int reached = -1;
    for (String goal : goals) {
      if (isPushGoal(goal)) {
        return true;
      }
      reached = Math.max(reached, PHASES.indexOf(goal));
    }
    if (reached < 0) {
      return false;
    }
    for (Plugin plugin : project.getBuildPlugins()) {
      if (!PLUGIN_KEY.equals(plugin.getKey())) {
        continue;
      }
      for (PluginExecution execution : plugin.getExecutions()) {
        String phase = execution.getPhase() != null ? execution.getPhase() : PUSH_PHASE;
        int at = PHASES.indexOf(phase);
        if (execution.getGoals().contains("push") && at >= 0 && at <= reached) {
          return true;
        }
      }
    }
    return false;
  }

  /** {@code image:push}, {@code dev.lading:image-maven-plugin[:version]:push}. */
  private static boolean isPushGoal(String goal) {
    return goal.equals("image:push")
        || goal.startsWith(PLUGIN_KEY + ":") && goal.endsWith(":push");
  }
}
