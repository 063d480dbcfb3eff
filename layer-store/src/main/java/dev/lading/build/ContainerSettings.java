package dev.lading.build;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the application container starts, as Jib's {@code <container>} configures it. Null means "not
 * set": the base image's value is kept (or, for the entrypoint, the default Java command is used).
 *
 * @param mainClass the class to run; required unless {@code entrypoint} is given
 * @param jvmFlags flags for {@code java} before {@code -cp}
 * @param args the container's {@code Cmd}: arguments after the entrypoint
 * @param entrypoint replaces the default {@code java ... mainClass} command; {@code ["INHERIT"]}
 *     keeps the base image's entrypoint and cmd, as in Jib
 * @param environment variables set over the base image's
 * @param labels labels added to the base image's
 * @param ports exposed ports: {@code 8080}, {@code 53/udp}, {@code 1000-1002/tcp}
 * @param user {@code user}, {@code uid}, {@code user:group} or {@code uid:gid}
 * @param workingDirectory an absolute path
 * @param volumes absolute paths
 * @param appRoot where classes, resources and libraries go (default {@code /app})
 * @param extraClasspath in-image paths put before the application's on the class path (Jib's
 *     {@code extraClasspath}, e.g. an agent's directory)
 * @param packaged Jib's {@code containerizingMode packaged}: the project's jar in
 *     {@code <appRoot>/classpath} instead of its classes and resources
 * @param dependencyClasspath the in-image paths of the dependency jars in class path order (Maven's),
 *     or null for {@code <appRoot>/libs/*}, whose order the JVM leaves to the directory listing
 * @param classpathFile the default command reads its class path from {@code @<appRoot>/jib-classpath-file}
 *     (an argument file: Java 9 and later), as Jib's does
 */
public record ContainerSettings(
    String mainClass,
    List<String> jvmFlags,
    List<String> args,
    List<String> entrypoint,
    Map<String, String> environment,
    Map<String, String> labels,
    List<String> ports,
    String user,
    String workingDirectory,
    List<String> volumes,
    String appRoot,
    List<String> extraClasspath,
    boolean packaged,
    List<String> dependencyClasspath,
    boolean classpathFile) {

  /** Settings whose default command puts {@code <appRoot>/libs/*} on the class path. */
  public ContainerSettings(String mainClass, List<String> jvmFlags, List<String> args, List<String> entrypoint,
      Map<String, String> environment, Map<String, String> labels, List<String> ports, String user,
      String workingDirectory, List<String> volumes, String appRoot, List<String> extraClasspath,
      boolean packaged) {
    this(mainClass, jvmFlags, args, entrypoint, environment, labels, ports, user, workingDirectory, volumes,
        appRoot, extraClasspath, packaged, null, false);
  }

  /** Settings of an exploded application (classes and resources as directories), no extra class path. */
  public ContainerSettings(String mainClass, List<String> jvmFlags, List<String> args, List<String> entrypoint,
      Map<String, String> environment, Map<String, String> labels, List<String> ports, String user,
      String workingDirectory, List<String> volumes, String appRoot) {
    this(mainClass, jvmFlags, args, entrypoint, environment, labels, ports, user, workingDirectory, volumes,
        appRoot, List.of(), false);
  }

  /** Jib's word for "keep the base image's entrypoint". */
  public static final String INHERIT = "INHERIT";
  /** Where Jib puts the application, so that switching keeps paths the same. */
  public static final String DEFAULT_APP_ROOT = "/app";
  /** The class path, one line of {@code :}-separated paths, in {@code <appRoot>} (Jib's name). */
  public static final String CLASSPATH_FILE = "jib-classpath-file";
  /** The main class, in {@code <appRoot>} (Jib's name): custom entrypoints read both files. */
  public static final String MAIN_CLASS_FILE = "jib-main-class-file";

  private static final Pattern PORT = Pattern.compile("(\\d+)(?:-(\\d+))?(?:/(tcp|udp|sctp))?");

  public ContainerSettings {
    jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
    args = args == null ? null : List.copyOf(args);
    entrypoint = entrypoint == null || entrypoint.isEmpty() ? null : List.copyOf(entrypoint);
    environment = environment == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(environment));
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    ports = ports == null ? List.of() : List.copyOf(ports);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    extraClasspath = extraClasspath == null ? List.of() : List.copyOf(extraClasspath);
    dependencyClasspath = dependencyClasspath == null ? null : List.copyOf(dependencyClasspath);
    appRoot = appRoot == null || appRoot.isBlank() ? DEFAULT_APP_ROOT : appRoot;
    if (!appRoot.startsWith("/")) {
      throw new IllegalArgumentException("appRoot '" + appRoot + "' must be an absolute path");
    }
    if (workingDirectory != null && !workingDirectory.startsWith("/")) {
      throw new IllegalArgumentException("container.workingDirectory '" + workingDirectory
          + "' must be an absolute path, e.g. /app");
    }
    for (String v : volumes) {
      if (!v.startsWith("/")) {
        throw new IllegalArgumentException("container volume '" + v + "' must be an absolute path");
      }
    }
    for (String key : environment.keySet()) {
      if (key.isEmpty() || key.contains("=")) {
        throw new IllegalArgumentException("bad environment variable name '" + key
            + "' (it must be non-empty and must not contain '=')");
      }
    }
    exposedPorts(ports); // validates
  }

  /** Only a main class, everything else default. */
  public static ContainerSettings ofMainClass(String mainClass) {
    return new ContainerSettings(mainClass, null, null, null, null, null, null, null, null, null, null);
  }

  /** True when the base image's entrypoint and cmd are kept. */
  public boolean inheritsEntrypoint() {
    return entrypoint != null && entrypoint.size() == 1 && INHERIT.equals(entrypoint.get(0));
  }

  /**
   * The config's {@code ExposedPorts} keys for {@code ports}: {@code 8080} is {@code 8080/tcp}, a range
   * gives one key per port.
   *
   * @throws IllegalArgumentException for anything that is not a port, range or protocol we know
   */
  public static Set<String> exposedPorts(List<String> ports) {
    Set<String> result = new TreeSet<>();
    for (String raw : ports) {
      String p = raw.trim();
      Matcher m = PORT.matcher(p);
      if (!m.matches()) {
        throw new IllegalArgumentException("bad port '" + raw
            + "' (expected a number, a range or either with a protocol: 8080, 1000-1003, 53/udp)");
      }
      int from = Integer.parseInt(m.group(1));
      int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
      String protocol = m.group(3) == null ? "tcp" : m.group(3);
      if (from < 1 || to > 65535 || to < from) {
        throw new IllegalArgumentException("bad port '" + raw + "' (ports are 1 to 65535, ranges ascending)");
      }
      for (int port = from; port <= to; port++) {
        result.add(port + "/" + protocol);
      }
    }
    return result;
  }

  /**
   * The application's class path in the image, as Jib orders it: {@code extraClasspath}, then
   * {@code <appRoot>/resources} and {@code <appRoot>/classes} (or {@code <appRoot>/classpath/*} when
   * packaged), then the dependencies (each jar in order, or {@code <appRoot>/libs/*}).
   */
  public List<String> classpath() {
    List<String> classpath = new ArrayList<>(extraClasspath);
    if (packaged) {
      classpath.add(appRoot + "/classpath/*");
    } else {
      classpath.add(appRoot + "/resources");
      classpath.add(appRoot + "/classes");
    }
    if (dependencyClasspath != null) {
      classpath.addAll(dependencyClasspath);
    } else {
      classpath.add(appRoot + "/libs/*");
    }
    return classpath;
  }

  /**
   * The default Java command, as Jib builds it: {@code java <jvmFlags> -cp <class path> <mainClass>},
   * the class path being {@code @<appRoot>/jib-classpath-file} with {@code classpathFile}, else
   * {@link #classpath()} joined with {@code :}.
   */
  public List<String> defaultEntrypoint(String resolvedMainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(classpathFile ? "@" + appRoot + "/" + CLASSPATH_FILE : String.join(":", classpath()));
    cmd.add(resolvedMainClass);
    return cmd;
  }
}
