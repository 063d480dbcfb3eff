package dev.lading.maven;

import dev.lading.build.ContainerSettings;
import dev.lading.build.JavaImagePlan;
import dev.lading.build.JavaLayers;
import dev.lading.build.MainClassFinder;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.project.MavenProject;

/**
 * What a goal's image holds, read from the Maven project: the layers of a jar project (dependencies,
 * modules of this build, resources, classes, extra directories) or of an exploded WAR, the java
 * command and the other container settings, and the image's times, from the POM's configuration
 * and its {@code image.*} / {@code jib.*} properties.
 */
final class ProjectImagePlanner {
  private final AbstractImageMojo mojo;
  private final MavenProject project;
  private final MavenSession session;
  private final Container container;
  private final Log log;

  ProjectImagePlanner(AbstractImageMojo mojo) {
    this.mojo = mojo;
    this.project = mojo.project;
    this.session = mojo.session;
    this.container = mojo.container;
    this.log = mojo.getLog();
  }

  /** True when the project has a source or resource folder that compiling would fill target/classes from. */
  private boolean hasSources() {
    for (String root : project.getCompileSourceRoots()) {
      if (Files.isDirectory(Path.of(root))) {
        return true;
      }
    }
    for (org.apache.maven.model.Resource r : project.getResources()) {
      if (r.getDirectory() != null && Files.isDirectory(Path.of(r.getDirectory()))) {
        return true;
      }
    }
    return false;
  }

  /** The build plan for this project. */
  JavaImagePlan plan() throws IOException {
    Path classes = Path.of(project.getBuild().getOutputDirectory());
    if (!Files.isDirectory(classes)) {
      if (hasSources()) {
        // Without this, `mvn clean image:build` would build an image with no application in it.
        throw new IllegalStateException(classes + " does not exist: compile the project before building"
            + " its image, e.g. mvn package image:build (not mvn clean image:build)");
      }
      // A project of dependencies only (an image of a published jar): Maven never makes the folder.
      Files.createDirectories(classes);
    }
    if (isWar()) {
      return warPlan(); // its jars are the ones maven-war-plugin put in WEB-INF/lib
    }
    // Modules of this build go into their own layer (as in Jib): they change with the code.
    Set<String> modules = ProjectFacts.moduleKeys(session);
    List<JavaLayers.Dependency> dependencies = new ArrayList<>();
    for (Artifact a : project.getArtifacts()) {
      if (a.getFile() == null || !a.getArtifactHandler().isAddedToClasspath()
          || !(Artifact.SCOPE_COMPILE.equals(a.getScope()) || Artifact.SCOPE_RUNTIME.equals(a.getScope()))) {
        continue;
      }
      if (a.getFile().isDirectory()) {
        // Maven hands out a module's target/classes when the build stops before package.
        throw new IllegalStateException("dependency " + a.getArtifactId() + " is a module of this build that has"
            + " not been packaged (Maven gives its " + a.getFile() + "); build the image after the package"
            + " phase, e.g. mvn package image:build");
      }
      dependencies.add(new JavaLayers.Dependency(a.getFile().toPath(), a.getGroupId(), a.isSnapshot(),
          modules.contains(a.getGroupId() + ":" + a.getArtifactId() + ":" + a.getBaseVersion())));
    }
    Path packagedJar = packagedJar();
    ContainerSettings settings = containerSettings(classes, packagedJar, dependencies);
    List<JavaLayers.ExtraDirectory> extras = extraDirectories();
    return new JavaImagePlan(mojo.baseReference(), mojo.platforms(), mojo.targetReference(), mojo.tags(), mojo.format(), settings,
        JavaLayers.of(dependencies, classes, packagedJar, extras, settings),
        creationTime(), filesModificationTime());
  }

  /** Whether mainClass, jvmFlags or extraClasspath are set: they only shape the default java command. */
  private boolean hasJavaCommandSettings() {
    return property("container.mainClass", container.mainClass) != null
        || !listProperty("container.jvmFlags", container.jvmFlags).isEmpty()
        || !listProperty("container.extraClasspath", container.extraClasspath).isEmpty();
  }

  private boolean isWar() {
    return "war".equals(project.getPackaging());
  }

  /**
   * A web application, as Jib builds one: the exploded WAR below {@code appRoot} (default Jetty's
   * {@code /var/lib/jetty/webapps/ROOT}; Tomcat's is {@code /usr/local/tomcat/webapps/ROOT}), run by
   * the base image's own entrypoint (a servlet container) unless {@code <entrypoint>} says otherwise.
   */
  private JavaImagePlan warPlan() throws IOException {
    Path exploded = ProjectFacts.explodedWar(project);
    if (!Files.isDirectory(exploded.resolve("WEB-INF"))) {
      throw new IllegalStateException("no exploded WAR at " + exploded + ": a war project's image is made"
          + " from what maven-war-plugin leaves there; run the package phase first, e.g. mvn package image:build");
    }
    if (!"exploded".equals(property("containerizingMode", mojo.containerizingMode))) {
      throw new IllegalArgumentException("containerizingMode packaged is for jar projects; a war project is"
          + " always put in the image exploded");
    }
    List<String> entrypoint = listProperty("container.entrypoint", container.entrypoint);
    if (hasJavaCommandSettings()) {
      log.warn(mojo.logPrefix() + "mainClass, jvmFlags and extraClasspath are ignored for a war project: the"
          + " base image's servlet container runs it (set <container><entrypoint> to run something else)");
    }
    String appRoot = property("container.appRoot", container.appRoot);
    appRoot = appRoot == null || appRoot.isBlank() ? JavaLayers.DEFAULT_WAR_APP_ROOT : appRoot;
    ContainerSettings settings = settings(null, List.of(),
        entrypoint == null || entrypoint.isEmpty() ? List.of(ContainerSettings.INHERIT) : entrypoint, appRoot,
        List.of(), false, null, false);
    return new JavaImagePlan(mojo.baseReference(), mojo.platforms(), mojo.targetReference(), mojo.tags(), mojo.format(), settings,
        JavaLayers.ofWar(exploded, ProjectFacts.moduleJarNames(session), extraDirectories(), appRoot), creationTime(),
        filesModificationTime());
  }

  /** The project's jar in packaged mode, else null. */
  private Path packagedJar() {
    String mode = property("containerizingMode", mojo.containerizingMode);
    if (mode == null || mode.equals("exploded")) {
      return null;
    }
    if (!mode.equals("packaged")) {
      throw new IllegalArgumentException("containerizingMode '" + mode + "' is neither exploded nor packaged");
    }
    File jar = project.getArtifact() == null ? null : project.getArtifact().getFile();
    if (jar == null || !jar.isFile() || !jar.getName().endsWith(".jar")) {
      throw new IllegalStateException("containerizingMode packaged puts the project's jar in the image, and"
          + " there is none yet: run the package phase first, e.g. mvn package image:build");
    }
    return jar.toPath();
  }

  private ContainerSettings containerSettings(Path classes, Path packagedJar,
      List<JavaLayers.Dependency> dependencies) throws IOException {
    List<String> entrypoint = listProperty("container.entrypoint", container.entrypoint);
    String mainClass = property("container.mainClass", container.mainClass);
    boolean javaEntrypoint = entrypoint == null || entrypoint.isEmpty();
    if (!javaEntrypoint && hasJavaCommandSettings()) {
      // As Jib says: they only shape the default java command (mainClass still fills jib-main-class-file).
      log.warn(mojo.logPrefix() + "jvmFlags, extraClasspath and mainClass do not change a configured <entrypoint>: "
          + String.join(" ", entrypoint));
    }
    if (mainClass == null && javaEntrypoint) {
      mainClass = ProjectFacts.jarPluginMainClass(project);
      if (mainClass == null) {
        mainClass = MainClassFinder.find(ProjectFacts.projectJar(project), classes);
      }
      log.info(mojo.logPrefix() + "main class: " + mainClass + " (inferred; set <container><mainClass> to choose)");
    } else if (mainClass != null && javaEntrypoint && !MainClassFinder.isOnClassPath(mainClass,
        packagedJar == null ? classes : null, Stream.concat(Stream.ofNullable(packagedJar),
            dependencies.stream().map(JavaLayers.Dependency::file)).toList())) {
      // A typo here would only show when the container starts; say it now.
      log.warn(mojo.logPrefix() + "main class " + mainClass + " is neither in " + classes + " nor in a runtime dependency:"
          + " the container will fail to start; check <container><mainClass>");
    }
    if (mainClass == null && !javaEntrypoint) {
      // Only for <appRoot>/jib-main-class-file, which a custom or inherited entrypoint may read: Jib
      // writes it in every case, with its placeholder when no main class is found.
      mainClass = inferQuietly(ProjectFacts.projectJar(project), classes);
      mainClass = mainClass != null ? mainClass : "could-not-infer-a-main-class";
    }
    String appRoot = property("container.appRoot", container.appRoot);
    appRoot = appRoot == null || appRoot.isBlank() ? ContainerSettings.DEFAULT_APP_ROOT : appRoot;
    // As Jib: from Java 9 on, the command reads the class path from an argument file listing every jar in
    // Maven's order; for Java 8 it names <appRoot>/libs/*, whose order the JVM takes from the directory.
    int javaVersion = majorJavaVersion();
    boolean expand = javaVersion >= 9 || Boolean.parseBoolean(property("container.expandClasspathDependencies",
        String.valueOf(container.expandClasspathDependencies)));
    return settings(mainClass, listProperty("container.jvmFlags", container.jvmFlags), entrypoint, appRoot,
        listProperty("container.extraClasspath", container.extraClasspath), packagedJar != null,
        expand ? JavaLayers.dependencyPaths(dependencies, appRoot) : null, javaVersion >= 9);
  }

  /** The container settings: these values, and the rest (args, environment, ports, ...) as configured. */
  private ContainerSettings settings(String mainClass, List<String> jvmFlags, List<String> entrypoint,
      String appRoot, List<String> extraClasspath, boolean packaged, List<String> dependencyClasspath,
      boolean classpathFile) {
    return new ContainerSettings(mainClass, jvmFlags,
        listProperty("container.args", container.args),
        entrypoint,
        mapProperty("container.environment", container.environment),
        mapProperty("container.labels", container.labels),
        listProperty("container.ports", container.ports),
        property("container.user", container.user),
        property("container.workingDirectory", container.workingDirectory),
        listProperty("container.volumes", container.volumes),
        appRoot, extraClasspath, packaged, dependencyClasspath, classpathFile);
  }

  private static String inferQuietly(Path jar, Path classes) {
    try {
      return MainClassFinder.find(jar, classes);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The Java version the project compiles for (see {@link ProjectFacts#javaVersion}). */
  int majorJavaVersion() {
    ProjectFacts.JavaVersion v = ProjectFacts.javaVersion(project);
    if (v.unreadable() != null) {
      log.warn("cannot read the Java version '" + v.unreadable() + "' of the project; assuming Java 8");
    }
    return v.major();
  }

  private List<JavaLayers.ExtraDirectory> extraDirectories() {
    Map<String, String> modes = new LinkedHashMap<>();
    mojo.extraDirectories.permissions.forEach(p -> modes.put(p.file, p.mode));
    Map<String, Integer> permissions = new LinkedHashMap<>();
    for (Map.Entry<String, String> p : mapProperty("mojo.extraDirectories.permissions", modes).entrySet()) {
      if (p.getKey() == null || p.getValue() == null || !p.getValue().matches("[0-7]{3,4}")) {
        throw new IllegalArgumentException("extraDirectories permission needs <file> and an octal <mode>"
            + " such as 755, got file=" + p.getKey() + " mode=" + p.getValue());
      }
      permissions.put(p.getKey(), Integer.parseInt(p.getValue(), 8));
    }
    List<JavaLayers.ExtraDirectory> result = new ArrayList<>();
    List<String> paths = listProperty("mojo.extraDirectories.paths", null);
    if (paths != null) {
      // As Jib's property: each directory's contents go to the image's root.
      for (String path : paths) {
        Path dir = project.getBasedir().toPath().resolve(path);
        if (!Files.isDirectory(dir)) {
          throw new IllegalArgumentException("extra directory " + dir + " does not exist");
        }
        result.add(new JavaLayers.ExtraDirectory(dir, "/", permissions));
      }
      return result;
    }
    if (mojo.extraDirectories.paths.isEmpty()) {
      Path conventional = project.getBasedir().toPath().resolve("src/main/jib");
      result.add(new JavaLayers.ExtraDirectory(conventional, "/", permissions));
    }
    for (ExtraDirectories.ExtraDirectory d : mojo.extraDirectories.paths) {
      if (d.from == null) {
        throw new IllegalArgumentException("an extraDirectories <path> needs a directory (<from>)");
      }
      Path dir = d.from.isAbsolute() ? d.from.toPath() : project.getBasedir().toPath().resolve(d.from.toPath());
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("extra directory " + dir + " does not exist");
      }
      result.add(new JavaLayers.ExtraDirectory(dir, d.into, permissions, d.includes, d.excludes));
    }
    return result;
  }

  private Instant creationTime() {
    String v = property("container.creationTime", container.creationTime);
    if (v == null || v.equals("EPOCH")) {
      return Instant.EPOCH;
    }
    if (v.equals("USE_CURRENT_TIMESTAMP")) {
      return Instant.now();
    }
    return instant(v, "container.creationTime", "EPOCH, USE_CURRENT_TIMESTAMP");
  }

  private Instant filesModificationTime() {
    String v = property("container.filesModificationTime", container.filesModificationTime);
    if (v == null || v.equals("EPOCH_PLUS_SECOND")) {
      return JavaImagePlan.DEFAULT_FILES_MODIFICATION_TIME;
    }
    return instant(v, "container.filesModificationTime", "EPOCH_PLUS_SECOND");
  }

  private static Instant instant(String v, String what, String keywords) {
    try {
      return java.time.OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(what + " '" + v + "' is neither " + keywords
          + " nor an ISO-8601 time such as 2024-01-01T00:00:00Z");
    }
  }

  private String property(String name, String fallback) {
    return mojo.property(name, fallback);
  }

  private List<String> listProperty(String name, List<String> fallback) {
    return mojo.listProperty(name, fallback);
  }

  private Map<String, String> mapProperty(String name, Map<String, String> fallback) {
    return mojo.mapProperty(name, fallback);
  }
}
