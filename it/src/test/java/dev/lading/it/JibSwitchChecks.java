package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.testing.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** What the {@code jibswitch} invoker IT checks: projects written for Jib, switched by changing the plugin only. */
public final class JibSwitchChecks {
  private JibSwitchChecks() {}

  /** {@code props}: Jib properties, build bound to package, extra directories with modes and empty dirs. */
  public static void props(Path project, String registry, String stores) throws IOException {
    List<String> runs = InvokerChecks.invocations(project);
    assertEquals(5, runs.size(), "build.log should hold 5 Maven runs");
    String bound = runs.get(1);
    // `mvn package` with image:build bound: built, and says it did not push (Jib's build goal would have).
    assertTrue(bound.contains("[WARNING] built into the store as " + registry + "/demo/jibprops:unpushed, not"
        + " pushed: no image:push in this build"), bound);
    Processes.Result missing = Processes.run(List.of("skopeo", "inspect", "--tls-verify=false",
        "docker://" + registry + "/demo/jibprops:unpushed"), 60);
    assertNotEquals(0, missing.exitCode(), missing.output());
    // Jib's properties: read under their names, said once; a typo is named.
    assertEquals(1, count(bound, "read under Jib's names (as image.*): "), bound);
    assertTrue(bound.contains("jib.allowInsecureRegistries, jib.container.appRoot,"
        + " jib.container.filesModificationTime, jib.from.image, jib.to.image"), bound);
    assertTrue(bound.contains("[WARNING] jib.contianer.user is not a setting of Jib or of this plugin"), bound);

    String pushed = runs.get(2);
    assertFalse(pushed.contains("not pushed"), pushed);
    assertEquals(1, count(pushed, "<dockerClient> is ignored"), "once per build, not per goal: " + pushed);
    String ref = "docker://" + registry + "/demo/jibprops:1.0";
    assertEquals(Skopeo.json("inspect", "--tls-verify=false", ref).get("Digest"),
        Skopeo.json("inspect", "--tls-verify=false", "docker://" + registry + "/demo/jibprops:from-cli").get("Digest"),
        "-Djib.to.tags on the command line");
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    // appRoot from <properties>: the command and the class path agree, and the app finds its config.
    assertEquals(List.of("java", "-cp", "@/srv/app/jib-classpath-file", "demo.Main"),
        Skopeo.strings(config.get("config").get("Entrypoint")));
    Path layout = copy(ref, "jibswitch-props", stores);
    Map<String, String> entries = new TreeMap<>(entries(layout));
    entries.keySet().removeIf(k -> !(k.startsWith("srv/") || k.startsWith("opt/") || k.startsWith("var/empty")));
    Path rootfs = Rootfs.unpack(layout, "jibswitch-props", layout.resolveSibling("bundle"));
    String out = InvokerChecks.runEntrypoint(rootfs, config);
    assertTrue(out.contains("jibprops: configured from /srv/app/classes/"), out);

    // As Jib writes them: files 0644 (the executable bit on disk does not count), empty directories
    // kept, files at filesModificationTime, the implicit parents and the JVM argument files at epoch+1.
    long files = java.time.Instant.parse("2024-01-01T00:00:00Z").getEpochSecond();
    assertEquals("644 0:0 " + files, entries.get("opt/tool/run.sh"), entries.toString());
    assertEquals("755 0:0 " + files, entries.get("var/empty/"), entries.toString());
    assertEquals("755 0:0 " + files, entries.get("srv/app/resources/empty/"), entries.toString());
    assertEquals("644 0:0 " + files, entries.get("srv/app/resources/config/app.properties"), entries.toString());
    assertEquals("755 0:0 1", entries.get("srv/app/"), entries.toString());
    assertEquals("755 0:0 1", entries.get("srv/app/classes/"), entries.toString());
    assertEquals("644 0:0 1", entries.get("srv/app/jib-classpath-file"), entries.toString());
    assertEquals("644 0:0 1", entries.get("srv/app/jib-main-class-file"), entries.toString());
  }

  /** {@code inherit}: the base's entrypoint reads Jib's files; image:export bound alone; gzip layers. */
  public static void inherit(Path project, String registry, String stores) throws IOException {
    List<String> runs = InvokerChecks.invocations(project);
    String exported = runs.get(3);
    assertTrue(exported.contains("image:build ") && exported.contains("image:export "), exported);
    Path tar = project.resolve("inherit/target/image.tar");
    Path plain = project.resolve("inherit/target/image-plain.tar");
    // The store's gzip blobs as they are, unless asked otherwise (jib.outputPaths.tar named the file).
    List<String> layers = layerNames(tar);
    assertTrue(!layers.isEmpty() && layers.stream().allMatch(n -> n.endsWith(".tar.gz")), layers.toString());
    assertTrue(layerNames(plain).stream().noneMatch(n -> n.endsWith(".tar.gz")), layerNames(plain).toString());
    assertTrue(Files.size(tar) < Files.size(plain), Files.size(tar) + " vs " + Files.size(plain));

    JsonNode config = Skopeo.json("inspect", "--config", "docker-archive:" + tar);
    JsonNode base = Skopeo.json("inspect", "--tls-verify=false", "--config",
        "docker://" + registry + "/demo/jib-launcher:1");
    assertEquals(base.get("config").get("Entrypoint"), config.get("config").get("Entrypoint"));
    Path work = Path.of(stores).resolveSibling("invoker-work").resolve("jibswitch-inherit");
    dev.lading.testing.TestFiles.deleteRecursively(work);
    Files.createDirectories(work);
    Skopeo.run("copy", "docker-archive:" + tar, "oci:" + work.resolve("layout") + ":inherit");
    Path rootfs = Rootfs.unpack(work.resolve("layout"), "inherit", work.resolve("bundle"));
    assertEquals("demo.App", Files.readString(rootfs.resolve("app/jib-main-class-file")));
    // No resources, but the directories of target/classes: /app/resources on the class path exists, as in Jib.
    assertTrue(Files.isDirectory(rootfs.resolve("app/resources/demo")), "app/resources/demo");
    String out = InvokerChecks.runEntrypoint(rootfs, config);
    assertTrue(out.contains("inherit: started by the base image's entrypoint with LoggerFactory"), out);
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  /** The image at {@code ref} as an OCI layout (skopeo copy). */
  private static Path copy(String ref, String name, String stores) throws IOException {
    Path work = Path.of(stores).resolveSibling("invoker-work").resolve(name);
    dev.lading.testing.TestFiles.deleteRecursively(work);
    Files.createDirectories(work);
    Skopeo.run("copy", "--src-tls-verify=false", ref, "oci:" + work.resolve("layout") + ":" + name);
    return work.resolve("layout");
  }

  /** Every entry of the layout's only image, by tar name: "mode uid:gid mtime" (later layers win). */
  static Map<String, String> entries(Path layout) throws IOException {
    JsonNode index = Json.mapper().readTree(layout.resolve("index.json").toFile());
    JsonNode manifest = Json.mapper().readTree(blob(layout, index.get("manifests").get(0).get("digest").asText())
        .toFile());
    Map<String, String> entries = new TreeMap<>();
    for (JsonNode layer : manifest.get("layers")) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(blob(layout, layer.get("digest").asText())));
          TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
          entries.put(e.getName(), Integer.toOctalString(e.getMode() & 07777) + " " + e.getLongUserId() + ":"
              + e.getLongGroupId() + " " + e.getLastModifiedDate().toInstant().getEpochSecond());
        }
      }
    }
    return entries;
  }

  private static Path blob(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  /** The layer files that a docker-archive's manifest.json lists. */
  private static List<String> layerNames(Path archive) throws IOException {
    JsonNode manifest = Json.mapper().readTree(Processes.check(
        List.of("tar", "-xOf", archive.toString(), "manifest.json"), 60));
    List<String> names = new ArrayList<>();
    manifest.get(0).get("Layers").forEach(n -> names.add(n.asText()));
    return names;
  }
}
