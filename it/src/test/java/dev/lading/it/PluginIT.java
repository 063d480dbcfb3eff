package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds the sample projects of {@code src/it} with the plugin, in nested Maven runs, against a real
 * docker-registry holding a real JRE base image, and checks the results with skopeo, umoci and a
 * chroot (proot when not root).
 */
class PluginIT {
  private static NestedMaven maven;
  private static LocalRegistry registry;
  private static Path settings;

  @BeforeAll
  static void registryWithBaseImage() throws IOException {
    Rootfs.requireTools();
    maven = new NestedMaven("plugin");
    registry = LocalRegistry.start();
    NestedMaven.pushBaseImage(registry.hostPort());
    settings = maven.settings("settings.xml", "");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }


  private static Path copyProject(String name, String as) throws IOException {
    return maven.copyProject(name, as);
  }

  private static Processes.Result mvn(Path project, String... args) throws IOException {
    return maven.mvn(settings, project, registry.hostPort(), args);
  }

  private static Processes.Result mvnOk(Path project, String... args) throws IOException {
    return maven.mvnOk(settings, project, registry.hostPort(), args);
  }

  private static JsonNode json(String text) throws IOException {
    return Json.mapper().readTree(text);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private String skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo"));
    cmd.addAll(List.of(args));
    return Processes.check(cmd, 120);
  }

  @Test
  void buildPushInspectRunRebuildAndExport() throws IOException {
    Path project = copyProject("hello", "hello");
    Path store = maven.work().resolve("store");
    String storeArg = "-Dimage.store=" + store;
    Processes.Result built = mvnOk(project, "clean", "package", "image:build", "image:push", storeArg);
    assertTrue(built.output().contains("main class: demo.Main (inferred"), built.output());
    String digest = Files.readString(project.resolve("target/image.digest")).trim();
    String id = Files.readString(project.resolve("target/image.id")).trim();
    assertTrue(digest.startsWith("sha256:") && id.startsWith("sha256:"));
    // The base image is on the same registry: its layers are mounted, never downloaded or uploaded.
    assertTrue(built.output().contains("0 B fetched"), built.output());

    String ref = "docker://" + registry.hostPort() + "/demo/hello:1.0";
    JsonNode config = json(skopeo("inspect", "--tls-verify=false", "--config", ref));
    JsonNode run = config.get("config");
    assertEquals(List.of("java", "-Xss512k", "-cp", "/app/resources:/app/classes:/app/libs/*", "demo.Main"),
        strings(run.get("Entrypoint")));
    assertEquals(List.of("from-args"), strings(run.get("Cmd")));
    List<String> env = strings(run.get("Env"));
    assertTrue(env.contains("APP_MODE=it"), env.toString());
    assertTrue(env.stream().anyMatch(e -> e.startsWith("PATH=") && e.contains("java-17")), env.toString());
    assertEquals("hello", run.get("Labels").get("org.opencontainers.image.title").asText());
    assertTrue(run.get("ExposedPorts").has("8080/tcp") && run.get("ExposedPorts").has("9000/udp"));
    assertEquals("1000:1000", run.get("User").asText());
    assertEquals("/srv", run.get("WorkingDir").asText());
    assertTrue(run.get("Volumes").has("/data"));
    assertEquals("1970-01-01T00:00:00Z", config.get("created").asText());
    assertEquals(id, "sha256:" + dev.lading.digest.Digest.of(
        skopeo("inspect", "--tls-verify=false", "--raw", "--config", ref).getBytes(StandardCharsets.UTF_8)).hex());

    JsonNode inspect = json(skopeo("inspect", "--tls-verify=false", ref));
    assertEquals(digest, inspect.get("Digest").asText());
    JsonNode base = json(skopeo("inspect", "--tls-verify=false", "docker://" + registry.hostPort() + "/library/jre:17"));
    // dependencies, resources, classes, extra files (no snapshot dependencies: that layer is left out)
    assertEquals(base.get("Layers").size() + 4, inspect.get("Layers").size());
    assertEquals(digest, json(skopeo("inspect", "--tls-verify=false",
        "docker://" + registry.hostPort() + "/demo/hello:latest")).get("Digest").asText());

    // Unpack with umoci and run the entrypoint in a chroot.
    Path layout = maven.work().resolve("hello-layout");
    Path bundle = maven.work().resolve("hello-bundle");
    skopeo("copy", "--src-tls-verify=false", ref, "oci:" + layout + ":hello");
    Path rootfs = Rootfs.unpack(layout, "hello", bundle);
    assertTrue(Files.isRegularFile(rootfs.resolve("app/classes/demo/Main.class")));
    assertTrue(Files.isRegularFile(rootfs.resolve("app/resources/app.properties")));
    assertTrue(Files.isRegularFile(rootfs.resolve("app/libs/slf4j-api-2.0.16.jar")));
    assertTrue(Files.isExecutable(rootfs.resolve("opt/hello/run.sh")));
    List<String> cmd = new ArrayList<>(Rootfs.inside(rootfs));
    cmd.addAll(List.of("/usr/bin/env", "-i"));
    cmd.addAll(env);
    cmd.addAll(List.of("/bin/sh", "-c", "mkdir -p \"$0\" && cd \"$0\" && exec \"$@\"", run.get("WorkingDir").asText()));
    cmd.addAll(strings(run.get("Entrypoint")));
    cmd.addAll(strings(run.get("Cmd")));
    String out = Processes.check(cmd, 120);
    assertTrue(out.contains("Hello from lading: hi mode=it args=from-args logger=SimpleLogger cwd=/srv"), out);

    // Unchanged rebuild: same digest, every layer from the cache.
    Processes.Result again = mvnOk(project, "package", "image:build", storeArg);
    assertEquals(digest, Files.readString(project.resolve("target/image.digest")).trim());
    assertTrue(again.output().contains("0 built"), again.output());

    // A code change rebuilds only the classes layer.
    Path main = project.resolve("src/main/java/demo/Main.java");
    Files.writeString(main, Files.readString(main).replace("Hello from lading", "Hello again"));
    Processes.Result changed = mvnOk(project, "package", "image:build", storeArg);
    assertNotEquals(digest, Files.readString(project.resolve("target/image.digest")).trim());
    assertTrue(changed.output().contains("layer classes: built"), changed.output());
    assertTrue(changed.output().contains("1 built"), changed.output());

    // Exports: docker-archive (default) and oci-archive, both read by skopeo.
    mvnOk(project, "image:export", storeArg);
    JsonNode docker = json(skopeo("inspect", "docker-archive:" + project.resolve("target/image.tar")));
    assertEquals(inspect.get("Layers").size(), docker.get("Layers").size());
    mvnOk(project, "image:export", storeArg, "-Dimage.export.format=oci-archive",
        "-Dimage.export.file=" + project.resolve("target/image-oci.tar"));
    JsonNode oci = json(skopeo("inspect", "oci-archive:" + project.resolve("target/image-oci.tar")));
    assertEquals(inspect.get("Layers").size(), oci.get("Layers").size());
  }

  @Test
  void offlineWorksAfterSeedAndNamesTheMissingImageOtherwise() throws IOException {
    Path project = copyProject("hello", "offline");
    Path store = maven.work().resolve("store-offline");
    mvnOk(project, "clean", "package", "image:seed", "-Dimage.store=" + store);

    Processes.Result offline = mvnOk(project, "-o", "package", "image:build", "image:export",
        "-Dimage.store=" + store);
    assertTrue(offline.output().contains("image:build"), offline.output());
    assertTrue(Files.isRegularFile(project.resolve("target/image.tar")));
    skopeo("inspect", "docker-archive:" + project.resolve("target/image.tar"));

    Processes.Result missing = mvn(project, "-o", "package", "image:build",
        "-Dimage.store=" + maven.work().resolve("store-empty"));
    assertNotEquals(0, missing.exitCode());
    assertTrue(missing.output().contains("base image " + registry.hostPort() + "/library/jre:17 is not in the store"),
        missing.output());
  }
}
