package dev.lading.maven;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code <container>}: how the container starts and what its config says (Jib's names). */
public class Container {
  String mainClass;
  List<String> jvmFlags = new ArrayList<>();
  List<String> args;
  List<String> entrypoint;
  Map<String, String> environment = new LinkedHashMap<>();
  Map<String, String> labels = new LinkedHashMap<>();
  List<String> ports = new ArrayList<>();
  String user;
  String workingDirectory;
  List<String> volumes = new ArrayList<>();
  /** {@code EPOCH} (default), {@code USE_CURRENT_TIMESTAMP} or an ISO-8601 instant. */
  String creationTime;
  /** {@code EPOCH_PLUS_SECOND} (default) or an ISO-8601 instant. */
  String filesModificationTime;
  /** {@code OCI} (default) or {@code Docker}. */
  String format;
  /** Where the application goes in the image (default {@code /app}). */
  String appRoot;
  /** In-image paths put before the application's on the class path, e.g. {@code /opt/agent/*}. */
  List<String> extraClasspath = new ArrayList<>();
  /**
   * Lists each dependency jar on the command line instead of {@code /app/libs/*} for a Java 8 project
   * (from Java 9 on the class path file always lists them, in Maven's order).
   */
  boolean expandClasspathDependencies;
}
