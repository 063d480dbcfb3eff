package dev.lading.cli;

import dev.lading.build.SeedImage;
import dev.lading.build.dockerfile.DockerfileFroms;
import dev.lading.model.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * The images a Maven project's image builds will pull, read from its POM files as XML, without Maven
 * (a CI job can seed its cache before Maven or its plugins are there). Reads the configuration of
 * {@code dev.lading:image-maven-plugin} ({@code <from><image>}, {@code <seed>}, the FROM lines of
 * {@code <from><dockerfile>} or {@code <dockerfile>} with {@code <buildArgs>}) and of Jib's Maven plugin
 * ({@code <from><image>}), in {@code <build><plugins>} and {@code <pluginManagement>}, then each of
 * {@code <modules>}. {@code ${name}} comes from the POM's {@code <properties>} and its aggregator's; a
 * {@code image.from.image} or {@code jib.from.image} property overrides {@code <from><image>}, as in the
 * plugins. Profiles are not read.
 */
final class PomImages {
  private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");
  private static final String OURS = "dev.lading:image-maven-plugin";
  private static final String JIB = "com.google.cloud.tools:jib-maven-plugin";

  private final Map<ImageReference, String> images = new LinkedHashMap<>(); // reference -> Dockerfile text
  private final Set<Path> read = new HashSet<>();

  private PomImages() {}

  /**
   * The images {@code pom} and its modules name, in the order they appear, each once.
   *
   * @throws IllegalArgumentException naming the POM for XML that cannot be read, a property that is not
   *     defined, an image reference or Dockerfile that is not valid
   */
  static List<SeedImage> read(Path pom) throws IOException {
    PomImages reader = new PomImages();
    reader.readPom(pom.toAbsolutePath().normalize(), Map.of());
    List<SeedImage> result = new ArrayList<>();
    reader.images.forEach((reference, text) -> result.add(new SeedImage(reference, text)));
    return result;
  }

  private void readPom(Path pom, Map<String, String> inherited) throws IOException {
    if (Files.isDirectory(pom) || !pom.getFileName().toString().endsWith(".xml")) {
      pom = pom.resolve("pom.xml"); // a module names its directory, or (rarely) its POM file
    }
    if (!read.add(pom)) {
      return; // a module listed twice, or in two profiles
    }
    if (!Files.isRegularFile(pom)) {
      throw new IllegalArgumentException("no POM at " + pom);
    }
    Element project = parse(pom);
    Map<String, String> properties = new LinkedHashMap<>(inherited);
    Path dir = pom.getParent();
    properties.put("project.basedir", dir.toString());
    properties.put("basedir", dir.toString());
    for (String field : List.of("groupId", "artifactId", "version")) {
      String value = text(child(project, field));
      if (value == null) {
        value = text(child(child(project, "parent"), field));
      }
      if (value != null) {
        properties.put("project." + field, value);
      }
    }
    for (Element property : children(child(project, "properties"))) {
      properties.put(property.getTagName(), property.getTextContent().strip());
    }
    Values values = new Values(pom, properties);
    Element build = child(project, "build");
    List<Element> plugins = new ArrayList<>(children(child(build, "plugins")));
    plugins.addAll(children(child(child(build, "pluginManagement"), "plugins")));
    for (Element plugin : plugins) {
      String coordinates = (text(child(plugin, "groupId")) == null ? "org.apache.maven.plugins"
          : text(child(plugin, "groupId"))) + ":" + text(child(plugin, "artifactId"));
      if (!coordinates.equals(OURS) && !coordinates.equals(JIB)) {
        continue;
      }
      List<Element> configurations = new ArrayList<>();
      configurations.add(child(plugin, "configuration"));
      for (Element execution : children(child(plugin, "executions"))) {
        configurations.add(child(execution, "configuration"));
      }
      for (Element configuration : configurations) {
        if (configuration != null) {
          readConfiguration(configuration, coordinates.equals(OURS), values, dir);
        }
      }
    }
    for (Element module : children(child(project, "modules"))) {
      readPom(dir.resolve(values.resolve(text(module), "<module>")).normalize(), properties);
    }
  }

  private void readConfiguration(Element configuration, boolean ours, Values values, Path dir)
      throws IOException {
    Element from = child(configuration, "from");
    // As the plugins read it: a POM property (ours, then Jib's alias) overrides <from><image>.
    String image = values.properties().get(ours ? "image.from.image" : "jib.from.image");
    if (image == null && ours) {
      image = values.properties().get("jib.from.image");
    }
    if (image == null) {
      image = text(child(from, "image"));
    }
    if (image != null) {
      add(values.resolve(image, "<from><image>"), null, values);
    }
    if (!ours) {
      return; // Jib has no seed list and no Dockerfile bases
    }
    for (Element seed : children(child(configuration, "seed"))) {
      add(values.resolve(text(seed), "<seed>"), null, values);
    }
    Map<String, String> buildArgs = new LinkedHashMap<>();
    for (Element arg : children(child(configuration, "buildArgs"))) {
      buildArgs.put(arg.getTagName(), values.resolve(arg.getTextContent().strip(), "<buildArgs>"));
    }
    for (String dockerfile : new String[] {text(child(from, "dockerfile")),
        text(child(configuration, "dockerfile"))}) {
      if (dockerfile != null) {
        Path file = dir.resolve(values.resolve(dockerfile, "<dockerfile>")).normalize();
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException(values.pom + ": the Dockerfile " + file + " does not exist");
        }
        DockerfileFroms.of(file, buildArgs).forEach((reference, text) -> images.putIfAbsent(reference, text));
      }
    }
  }

  private void add(String image, String writtenAs, Values values) {
    if (image.isBlank()) {
      return;
    }
    try {
      images.putIfAbsent(ImageReference.parse(image.strip()), writtenAs);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(values.pom + ": " + e.getMessage(), e);
    }
  }

  /** A POM's properties, for {@code ${name}} in its values. */
  private record Values(Path pom, Map<String, String> properties) {
    String resolve(String value, String where) {
      String result = value;
      // A property may name others; ten rounds is deeper than any real POM and stops cycles.
      for (int round = 0; round < 10 && result.contains("${"); round++) {
        Matcher m = PROPERTY.matcher(result);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
          String name = m.group(1);
          String replacement = name.startsWith("env.") ? System.getenv(name.substring(4)) : properties.get(name);
          if (replacement == null) {
            throw new IllegalArgumentException(pom + ": ${" + name + "} in " + where + " is not defined in"
                + " the POM's <properties> (nor in its aggregator's); define it there, or name the image"
                + " on the command line");
          }
          m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        result = out.toString();
      }
      if (PROPERTY.matcher(result).find()) {
        throw new IllegalArgumentException(pom + ": the properties in " + where + " '" + value
            + "' refer to each other in a cycle");
      }
      return result;
    }
  }

  private static Element parse(Path pom) throws IOException {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      // A POM has no DTD; refusing one keeps external entities (and their file or network reads) out.
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setExpandEntityReferences(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // errors are thrown, not printed
      return builder.parse(pom.toFile()).getDocumentElement();
    } catch (SAXException e) {
      throw new IllegalArgumentException(pom + " is not a readable POM: " + e.getMessage(), e);
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser refuses its secure settings", e);
    }
  }

  /** The first child element named {@code name}, or null (also when {@code parent} is null). */
  private static Element child(Element parent, String name) {
    for (Element e : children(parent)) {
      if (e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static List<Element> children(Element parent) {
    List<Element> result = new ArrayList<>();
    if (parent != null) {
      for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e) {
          result.add(e);
        }
      }
    }
    return result;
  }

  private static String text(Element e) {
    if (e == null) {
      return null;
    }
    String t = e.getTextContent().strip();
    return t.isEmpty() ? null : t;
  }
}
