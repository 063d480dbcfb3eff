package dev.lading.build;

import dev.lading.layer.LayerEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Jib's layering of a Java application, one layer each, least often changed first: dependencies,
 * snapshot dependencies, project dependencies (modules of the same build), resources, classes, the JVM
 * argument files, extra directories. Dependencies go
 * to {@code <appRoot>/libs}, the build output to {@code <appRoot>/resources} (everything but {@code
 * .class} files) and {@code <appRoot>/classes}.
 */
public final class JavaLayers {
  public static final String DEPENDENCIES = "dependencies";
  public static final String SNAPSHOT_DEPENDENCIES = "snapshot dependencies";
  /** Jars of other modules of the same build: they change with the code, not with the dependency list. */
  public static final String PROJECT_DEPENDENCIES = "project dependencies";
  public static final String RESOURCES = "resources";
  public static final String CLASSES = "classes";
  public static final String EXTRA_FILES = "extra files";
  /** The project's jar, in place of resources and classes, when packaged (Jib's name). */
  public static final String JAR = "jar";
  /** {@code <appRoot>/jib-classpath-file} and {@code jib-main-class-file} (Jib's name). */
  public static final String JVM_ARG_FILES = "jvm arg files";

  private JavaLayers() {}

  /**
   * A runtime dependency jar.
   *
   * @param project a module of the same build (the Maven reactor): it goes into the project
   *     dependencies layer, so that changing it does not rebuild (and re-push) the third-party jars
   */
  public record Dependency(Path file, String groupId, boolean snapshot, boolean project) {
    public Dependency {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(groupId, "groupId");
    }

    /** A dependency from a repository (not a module of this build). */
    public Dependency(Path file, String groupId, boolean snapshot) {
      this(file, groupId, snapshot, false);
    }
  }

  /**
   * A directory whose contents are copied into the image ({@code src/main/jib} by Jib's convention).
   *
   * @param from the directory on disk
   * @param into the in-image directory, {@code /} for the root
   * @param permissions octal modes by in-image path or glob
   * @param includes globs (relative to {@code from}) of the files to take; none means all
   * @param excludes globs of the files to leave out
   */
  public record ExtraDirectory(Path from, String into, Map<String, Integer> permissions, List<String> includes,
      List<String> excludes) {
    public ExtraDirectory {
      Objects.requireNonNull(from, "from");
      into = into == null || into.isEmpty() ? "/" : into;
      permissions = permissions == null ? Map.of() : Map.copyOf(permissions);
      includes = includes == null ? List.of() : List.copyOf(includes);
      excludes = excludes == null ? List.of() : List.copyOf(excludes);
    }

    /** All files of {@code from}. */
    public ExtraDirectory(Path from, String into, Map<String, Integer> permissions) {
      this(from, into, permissions, List.of(), List.of());
    }
  }

  /**
   * The layers for a Java application. Missing directories give empty (omitted) layers. Jar names
   * that collide (same file name from two groups) are prefixed with their groupId, as Jib does.
   */
  public static List<LayerSpec> of(List<Dependency> dependencies, Path classesDirectory,
      List<ExtraDirectory> extraDirectories, String appRoot) {
    return of(dependencies, classesDirectory, null, extraDirectories, appRoot);
  }

  /**
   * As {@link #of(List, Path, List, String)}; with a {@code packagedJar}, that jar goes to {@code
   * <appRoot>/classpath} as one layer instead of the resources and classes layers (Jib's packaged mode).
   */
  public static List<LayerSpec> of(List<Dependency> dependencies, Path classesDirectory, Path packagedJar,
      List<ExtraDirectory> extraDirectories, String appRoot) {
    return of(dependencies, classesDirectory, packagedJar, extraDirectories, appRoot, null);
  }

  /**
   * As {@link #of(List, Path, Path, List, String)}, with Jib's JVM argument files layer made from
   * {@code container}: {@code <appRoot>/jib-classpath-file} holds its {@link ContainerSettings#classpath()}
   * and {@code <appRoot>/jib-main-class-file} its main class (when it has one), so that the default
   * command ({@code -cp @/app/jib-classpath-file}) and custom entrypoints can read them.
   */
  public static List<LayerSpec> of(List<Dependency> dependencies, Path classesDirectory, Path packagedJar,
      List<ExtraDirectory> extraDirectories, ContainerSettings container) {
    return of(dependencies, classesDirectory, packagedJar, extraDirectories, container.appRoot(), container);
  }

  /**
   * Where each dependency goes in the image, in the order given (which is the class path's): {@code
   * <appRoot>/libs/<file name>}, prefixed with the groupId when two jars share a file name, as Jib does.
   */
  public static List<String> dependencyPaths(List<Dependency> dependencies, String appRoot) {
    Map<String, Integer> nameCount = new HashMap<>();
    for (Dependency d : dependencies) {
      nameCount.merge(d.file().getFileName().toString(), 1, Integer::sum);
    }
    List<String> result = new ArrayList<>(dependencies.size());
    for (Dependency d : dependencies) {
      String name = d.file().getFileName().toString();
      result.add(appRoot + "/libs/" + (nameCount.get(name) > 1 ? d.groupId() + "-" + name : name));
    }
    return result;
  }

  private static List<LayerSpec> of(List<Dependency> dependencies, Path classesDirectory, Path packagedJar,
      List<ExtraDirectory> extraDirectories, String appRoot, ContainerSettings container) {
    List<String> inImage = dependencyPaths(dependencies, appRoot);
    List<FileMapping> releases = new ArrayList<>();
    List<FileMapping> snapshots = new ArrayList<>();
    List<FileMapping> modules = new ArrayList<>();
    for (int i = 0; i < dependencies.size(); i++) {
      Dependency d = dependencies.get(i);
      (d.project() ? modules : d.snapshot() ? snapshots : releases).add(new FileMapping(d.file(), inImage.get(i)));
    }
    List<LayerSpec> layers = new ArrayList<>();
    layers.add(LayerSpec.of(DEPENDENCIES, releases));
    layers.add(LayerSpec.of(SNAPSHOT_DEPENDENCIES, snapshots));
    layers.add(LayerSpec.of(PROJECT_DEPENDENCIES, modules));
    if (packagedJar != null) {
      layers.add(LayerSpec.of(JAR, List.of(
          new FileMapping(packagedJar, appRoot + "/classpath/" + packagedJar.getFileName()))));
    } else {
      List<FileMapping> output = classesDirectory != null && Files.isDirectory(classesDirectory)
          ? List.of(new FileMapping(classesDirectory, appRoot + "/resources")) : List.of();
      layers.add(new LayerSpec(RESOURCES, output, p -> !isClassFile(p), "not *.class", null));
      List<FileMapping> classes = output.isEmpty() ? List.of()
          : List.of(new FileMapping(classesDirectory, appRoot + "/classes"));
      layers.add(new LayerSpec(CLASSES, classes, JavaLayers::isClassFile, "*.class", null));
    }
    if (container != null) {
      layers.add(jvmArgFiles(container));
    }
    layers.add(extraFiles(extraDirectories));
    return layers;
  }

  /** Where Jib puts a WAR by default: the root web application of the Jetty base images. */
  public static final String DEFAULT_WAR_APP_ROOT = "/var/lib/jetty/webapps/ROOT";

  /**
   * The layers of a web application, from the exploded WAR that maven-war-plugin leaves in the build
   * directory, as Jib makes them: the jars of {@code WEB-INF/lib} (split into dependencies, snapshot
   * dependencies and project dependencies), resources (everything else but the class files of
   * {@code WEB-INF/classes}), classes, extra directories; all below {@code appRoot}.
   *
   * @param projectJars file names of {@code WEB-INF/lib} jars built by modules of the same build
   * @throws IOException when {@code WEB-INF/lib} cannot be listed
   */
  public static List<LayerSpec> ofWar(Path explodedWar, Set<String> projectJars,
      List<ExtraDirectory> extraDirectories, String appRoot) throws IOException {
    String root = appRoot.endsWith("/") ? appRoot.substring(0, Math.max(1, appRoot.length() - 1)) : appRoot;
    Path webInfLib = explodedWar.resolve("WEB-INF/lib");
    Path webInfClasses = explodedWar.resolve("WEB-INF/classes");
    List<FileMapping> releases = new ArrayList<>();
    List<FileMapping> snapshots = new ArrayList<>();
    List<FileMapping> modules = new ArrayList<>();
    if (Files.isDirectory(webInfLib)) {
      try (Stream<Path> jars = Files.list(webInfLib)) {
        for (Path jar : jars.filter(Files::isRegularFile).sorted().toList()) {
          String name = jar.getFileName().toString();
          (projectJars.contains(name) ? modules : name.contains("SNAPSHOT") ? snapshots : releases)
              .add(new FileMapping(jar, root + "/WEB-INF/lib/" + name));
        }
      }
    }
    List<LayerSpec> layers = new ArrayList<>();
    layers.add(LayerSpec.of(DEPENDENCIES, releases));
    layers.add(LayerSpec.of(SNAPSHOT_DEPENDENCIES, snapshots));
    layers.add(LayerSpec.of(PROJECT_DEPENDENCIES, modules));
    boolean exploded = Files.isDirectory(explodedWar);
    layers.add(new LayerSpec(RESOURCES,
        exploded ? List.of(new FileMapping(explodedWar, root)) : List.of(),
        p -> !p.startsWith(webInfLib) && !(p.startsWith(webInfClasses) && isClassFile(p)),
        "war: not WEB-INF/lib, not WEB-INF/classes/*.class", null));
    layers.add(new LayerSpec(CLASSES,
        Files.isDirectory(webInfClasses) ? List.of(new FileMapping(webInfClasses, root + "/WEB-INF/classes"))
            : List.of(),
        JavaLayers::isClassFile, "*.class", null));
    layers.add(extraFiles(extraDirectories));
    return layers;
  }

  private static LayerSpec extraFiles(List<ExtraDirectory> extraDirectories) {
    List<FileMapping> extras = new ArrayList<>();
    Map<String, Integer> permissions = new HashMap<>();
    for (ExtraDirectory extra : extraDirectories) {
      if (Files.isDirectory(extra.from())) {
        extras.add(new FileMapping(extra.from(), extra.into(), extra.includes(), extra.excludes()));
        permissions.putAll(extra.permissions());
      }
    }
    return new LayerSpec(EXTRA_FILES, extras, null, null, permissions);
  }

  private static LayerSpec jvmArgFiles(ContainerSettings container) {
    String root = container.appRoot().endsWith("/") ? container.appRoot() : container.appRoot() + "/";
    // Jib writes these at its default mtime, whatever filesModificationTime says.
    List<LayerEntry> files = new ArrayList<>();
    files.add(LayerEntry.file(root + ContainerSettings.CLASSPATH_FILE,
        String.join(":", container.classpath()).getBytes(StandardCharsets.UTF_8))
        .withMtime(JavaImagePlan.DEFAULT_FILES_MODIFICATION_TIME));
    if (container.mainClass() != null) {
      files.add(LayerEntry.file(root + ContainerSettings.MAIN_CLASS_FILE,
          container.mainClass().getBytes(StandardCharsets.UTF_8))
          .withMtime(JavaImagePlan.DEFAULT_FILES_MODIFICATION_TIME));
    }
    return LayerSpec.generated(JVM_ARG_FILES, files);
  }

  private static boolean isClassFile(Path p) {
    return p.getFileName().toString().endsWith(".class");
  }
}
