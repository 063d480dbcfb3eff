package dev.lading.maven;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Settings given as properties: ours ({@code image.<name>}) and Jib's ({@code jib.<name>}) as aliases. */
final class SettingProperties {
  static final String PREFIX = "image.";
  static final String JIB_PREFIX = "jib.";

  /** Jib's property names (without {@code jib.}) that mean the same as ours with {@code image.}. */
  static final Set<String> JIB_ALIASES = Set.of(
      "from.image", "from.credHelper", "from.auth.username", "from.auth.password", "from.platforms",
      "to.image", "to.tags", "to.credHelper", "to.auth.username", "to.auth.password",
      "container.appRoot", "container.args", "container.extraClasspath", "container.expandClasspathDependencies",
      "container.entrypoint", "container.environment", "container.format", "container.jvmFlags",
      "container.labels", "container.mainClass", "container.user", "container.workingDirectory",
      "container.volumes", "container.ports", "container.filesModificationTime", "container.creationTime",
      "allowInsecureRegistries", "extraDirectories.paths", "extraDirectories.permissions",
      "outputPaths.digest", "outputPaths.imageId", "outputPaths.imageJson", "outputPaths.tar",
      "containerizingMode", "skip", "containerize");

  /** Jib properties that tune what has no counterpart here: ignored, with why. */
  static final Map<String, String> JIB_IGNORED = Map.ofEntries(
      Map.entry("console", "the log is Maven's"),
      Map.entry("useOnlyProjectCache", "the store replaces Jib's caches"),
      Map.entry("baseImageCache", "the store replaces Jib's caches (set image.store)"),
      Map.entry("applicationCache", "the store replaces Jib's caches (set image.store)"),
      Map.entry("alwaysCacheBaseImage", "base layers are fetched when needed"),
      Map.entry("disableUpdateChecks", "there is no update check"),
      Map.entry("configDirectory", "there is no update check"),
      Map.entry("dockerClient.executable", "there is no Docker-daemon goal (use image:export)"),
      Map.entry("dockerClient.environment", "there is no Docker-daemon goal (use image:export)"),
      Map.entry("httpTimeout", "the registry client's timeouts are its own"),
      Map.entry("blobMounts", "blobs are mounted whenever the registry allows it"),
      Map.entry("serialize", "not needed"),
      Map.entry("skipExistingImages", "not supported"));

  private final Properties user;
  private final Properties system;
  private final Properties project;

  SettingProperties(Properties user, Properties system, Properties project) {
    this.user = user;
    this.system = system;
    this.project = project;
  }

  /**
   * The value of setting {@code name} (e.g. {@code container.appRoot}), trimmed, or null. Each name keeps
   * the order of the plugin that defines it: ours Maven's (user, system, project properties), Jib's
   * Jib's (user, project, system). Merged: user {@code image.*}, user {@code jib.*}, system {@code
   * image.*}, project {@code image.*}, project {@code jib.*}, system {@code jib.*}. The target may also
   * be given as {@code image} (Jib's short form), which wins as in Jib.
   */
  String get(String name) {
    Lookup found = lookup(name);
    return found == null ? null : found.value();
  }

  /** The property a setting was read from, and its value. */
  record Lookup(String key, String value) {}

  /** Where {@code name} comes from, in the order of {@link #get}; null when nowhere. */
  Lookup lookup(String name) {
    boolean jib = JIB_ALIASES.contains(name);
    List<Map.Entry<Properties, String>> order = new ArrayList<>();
    if (name.equals("to.image")) {
      order.add(Map.entry(user, "image"));
      order.add(Map.entry(project, "image"));
      order.add(Map.entry(system, "image"));
    }
    order.add(Map.entry(user, PREFIX + name));
    if (jib) {
      order.add(Map.entry(user, JIB_PREFIX + name));
    }
    order.add(Map.entry(system, PREFIX + name));
    order.add(Map.entry(project, PREFIX + name));
    if (jib) {
      order.add(Map.entry(project, JIB_PREFIX + name));
      order.add(Map.entry(system, JIB_PREFIX + name));
    }
    for (Map.Entry<Properties, String> candidate : order) {
      String v = candidate.getKey().getProperty(candidate.getValue());
      if (v != null && !v.isBlank()) {
        return new Lookup(candidate.getValue(), v.trim());
      }
    }
    return null;
  }

  /** What the build's {@code jib.*} properties are to this plugin. */
  record JibReport(Map<String, String> aliases, Map<String, String> ignored, Set<String> unknown) {}

  /** Every {@code jib.*} property set for this build, sorted into aliases, ignored and unknown names. */
  JibReport jibProperties() {
    Set<String> keys = new TreeSet<>();
    for (Properties p : List.of(user, system, project)) {
      for (String key : p.stringPropertyNames()) {
        if (key.startsWith(JIB_PREFIX)) {
          keys.add(key);
        }
      }
    }
    Map<String, String> aliases = new TreeMap<>();
    Map<String, String> ignored = new TreeMap<>();
    Set<String> unknown = new TreeSet<>();
    for (String key : keys) {
      String name = key.substring(JIB_PREFIX.length());
      if (JIB_ALIASES.contains(name)) {
        aliases.put(key, PREFIX + name);
      } else if (JIB_IGNORED.containsKey(name)) {
        ignored.put(key, JIB_IGNORED.get(name));
      } else {
        unknown.add(key);
      }
    }
    return new JibReport(aliases, ignored, unknown);
  }

  /**
   * A comma-separated list as Jib reads one: {@code \,} is a comma inside an item. Items are trimmed;
   * empty ones dropped.
   */
  static List<String> splitList(String value) {
    List<String> items = new ArrayList<>();
    StringBuilder item = new StringBuilder();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' && i + 1 < value.length() && value.charAt(i + 1) == ',') {
        item.append(',');
        i++;
      } else if (c == ',') {
        items.add(item.toString());
        item.setLength(0);
      } else {
        item.append(c);
      }
    }
    items.add(item.toString());
    return items.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
