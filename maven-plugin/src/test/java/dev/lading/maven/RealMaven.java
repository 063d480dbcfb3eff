package dev.lading.maven;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.maven.api.plugin.testing.MojoExtension;
import org.apache.maven.execution.DefaultMavenExecutionRequest;
import org.apache.maven.execution.DefaultMavenExecutionResult;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Build;
import org.apache.maven.model.Model;
import org.apache.maven.project.MavenProject;
import org.eclipse.aether.DefaultRepositorySystemSession;

/**
 * A real MavenProject (a jar project in a temporary directory) and a real MavenSession for a mojo that
 * the harness configured from a test POM: the harness's own stand-ins answer nothing the mojos ask
 * (build directories, packaging, user properties, offline).
 */
final class RealMaven {
  private RealMaven() {}

  /** Gives {@code mojo} a jar project rooted at {@code basedir} and a session with these user properties. */
  static MavenProject attach(AbstractImageMojo mojo, Path basedir, boolean offline, String... userProperties)
      throws IOException, IllegalAccessException {
    Model model = new Model();
    model.setModelVersion("4.0.0");
    model.setGroupId("test");
    model.setArtifactId("app");
    model.setVersion("1.0");
    model.setPackaging("jar");
    Build build = new Build();
    build.setDirectory(basedir.resolve("target").toString());
    build.setOutputDirectory(basedir.resolve("target/classes").toString());
    model.setBuild(build);
    MavenProject project = new MavenProject(model);
    project.setFile(basedir.resolve("pom.xml").toFile());
    Files.createDirectories(basedir);

    Properties user = new Properties();
    for (String p : userProperties) {
      int eq = p.indexOf('=');
      user.setProperty(p.substring(0, eq), p.substring(eq + 1));
    }
    DefaultMavenExecutionRequest request = new DefaultMavenExecutionRequest();
    request.setUserProperties(user);
    request.setSystemProperties(new Properties());
    request.setOffline(offline);
    @SuppressWarnings("deprecation")
    MavenSession session = new MavenSession(null, new DefaultRepositorySystemSession(), request,
        new DefaultMavenExecutionResult());
    session.setCurrentProject(project);
    MojoExtension.setVariableValueToObject(mojo, "project", project);
    MojoExtension.setVariableValueToObject(mojo, "session", session);
    return project;
  }

  /** Compiles nothing but makes {@code target/classes} hold one class file named like {@code demo.Main}. */
  static void classes(Path basedir) throws IOException {
    Files.createDirectories(basedir.resolve("target/classes/demo"));
    Files.write(basedir.resolve("target/classes/demo/Main.class"), new byte[] {(byte) 0xCA, (byte) 0xFE});
  }
}
