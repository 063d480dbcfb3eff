package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.store.FsckReport;
import dev.lading.store.Store;
import dev.lading.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the {@code verify.groovy} of each invoker IT (src/it) checks, after maven-invoker-plugin has run
 * the sample project's builds as its {@code invoker.properties} says. Plain Java with JUnit's
 * assertions: a failed assertion fails that IT, and invoker:verify fails the build.
 */
public final class InvokerChecks {
  private InvokerChecks() {}

  // ---- hello: build, push, inspect, run, rebuild, export, change a line ----

  public static void hello(Path project, String registry, String stores) throws IOException {
    List<String> runs = invocations(project);
    assertEquals(4, runs.size(), "build.log should hold 4 Maven runs");
    String built = runs.get(0);
    assertTrue(built.contains("main class: demo.Main (inferred"), built);
    // The base image is on the same registry: its 2 layers are mounted, never downloaded or uploaded;
    // the 5 app layers and the config are uploaded.
    assertTrue(built.contains("(6 uploaded, 2 mounted, 0 already there;") && built.contains("0 B fetched"), built);
    String digest = Files.readString(project.resolve("target/image.digest")).trim();
    String id = Files.readString(project.resolve("target/image.id")).trim();
    assertTrue(digest.startsWith("sha256:") && id.startsWith("sha256:"), digest + " " + id);

    String ref = "docker://" + registry + "/demo/hello:1.0";
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    JsonNode run = config.get("config");
    // Java 17: the class path comes from Jib's argument file, in Maven's order (see the rootfs below).
    assertEquals(List.of("java", "-Xss512k", "-cp", "@/app/jib-classpath-file", "demo.Main"),
        Skopeo.strings(run.get("Entrypoint")));
    assertEquals(List.of("from-args"), Skopeo.strings(run.get("Cmd")));
    List<String> env = Skopeo.strings(run.get("Env"));
    assertTrue(env.contains("APP_MODE=it"), env.toString());
    assertTrue(env.stream().anyMatch(e -> e.startsWith("PATH=") && e.contains("java-17")), env.toString());
    assertEquals("hello", run.get("Labels").get("org.opencontainers.image.title").asText());
    assertTrue(run.get("ExposedPorts").has("8080/tcp") && run.get("ExposedPorts").has("9000/udp"));
    assertEquals("1000:1000", run.get("User").asText());
    assertEquals("/srv", run.get("WorkingDir").asText());
    assertTrue(run.get("Volumes").has("/data"));
    assertEquals("1970-01-01T00:00:00Z", config.get("created").asText());
    assertEquals(id, "sha256:" + Digest.of(
        Skopeo.run("inspect", "--tls-verify=false", "--raw", "--config", ref).getBytes(StandardCharsets.UTF_8)).hex());

    // Run 2 rebuilt without changes: every layer from the cache, and the digest that run 1 pushed.
    JsonNode inspect = Skopeo.json("inspect", "--tls-verify=false", ref);
    assertEquals(digest, inspect.get("Digest").asText(), "an unchanged rebuild gave another digest");
    assertTrue(runs.get(1).contains("0 built"), runs.get(1));
    JsonNode base = Skopeo.json("inspect", "--tls-verify=false", "docker://" + registry + "/library/jre:17");
    // dependencies, resources, classes, jvm arg files, extra files (no snapshot dependencies: that layer
    // is left out)
    assertEquals(base.get("Layers").size() + 5, inspect.get("Layers").size());
    assertEquals(digest, Skopeo.json("inspect", "--tls-verify=false",
        "docker://" + registry + "/demo/hello:latest").get("Digest").asText());

    // Unpack with umoci and run the entrypoint in a chroot, as a container runtime would.
    Path rootfs = unpack(ref, "hello", stores);
    assertTrue(Files.isRegularFile(rootfs.resolve("app/classes/demo/Main.class")));
    assertTrue(Files.isRegularFile(rootfs.resolve("app/resources/app.properties")));
    assertTrue(Files.isRegularFile(rootfs.resolve("app/libs/slf4j-api-2.0.16.jar")));
    assertTrue(Files.isExecutable(rootfs.resolve("opt/hello/run.sh")));
    assertEquals("/app/resources:/app/classes:/app/libs/slf4j-api-2.0.16.jar:/app/libs/slf4j-simple-2.0.16.jar",
        Files.readString(rootfs.resolve("app/jib-classpath-file")));
    assertEquals("demo.Main", Files.readString(rootfs.resolve("app/jib-main-class-file")));
    String out = runEntrypoint(rootfs, config);
    assertTrue(out.contains("Hello from lading: hi mode=it args=from-args logger=SimpleLogger cwd=/srv"), out);

    // Runs 3 and 4: docker-archive (the default) and oci-archive, both read by skopeo.
    JsonNode docker = Skopeo.json("inspect", "docker-archive:" + project.resolve("target/image.tar"));
    assertEquals(inspect.get("Layers").size(), docker.get("Layers").size());
    JsonNode oci = Skopeo.json("inspect", "oci-archive:" + project.resolve("target/image-oci.tar"));
    assertEquals(inspect.get("Layers").size(), oci.get("Layers").size());
  }

  /**
   * After {@link #hello}: one line of code changed and built again (invoker cannot edit files between
   * its runs, so this run is started here, with the same Maven, settings and repository).
   */
  public static void helloCodeChange(Path project, String registry, String stores, String mavenHome,
      Path settingsTemplate, String outerRepositoryUrl, Path localRepository, String version)
      throws IOException {
    Path settings = project.resolve("code-change-settings.xml");
    Files.writeString(settings, Files.readString(settingsTemplate)
        .replace("@outerRepositoryUrl@", outerRepositoryUrl));
    String before = Files.readString(project.resolve("target/image.digest")).trim();
    Path main = project.resolve("src/main/java/demo/Main.java");
    Files.writeString(main, Files.readString(main).replace("Hello from lading", "Hello again"));
    List<String> mvn = List.of(Path.of(mavenHome, "bin", "mvn").toString(), "-B", "-s", settings.toString(),
        "-Dmaven.repo.local=" + localRepository, "-f", project.resolve("pom.xml").toString(),
        "-Dit.registry=" + registry, "-Dlading.version=" + version,
        "-Dimage.store=" + Path.of(stores, "hello"), "package", "image:build");
    Processes.Result changed = Processes.run(mvn, 300);
    Files.writeString(project.resolve("build-code-change.log"), changed.output());
    assertEquals(0, changed.exitCode(), changed.output());
    assertNotEquals(before, Files.readString(project.resolve("target/image.digest")).trim());
    assertTrue(changed.output().contains("layer classes: built"), changed.output());
    assertTrue(changed.output().contains("(5 app layers: 1 built, 4 unchanged)"), changed.output());
  }

  // ---- packaged: the jar in /app/classpath, an extra class path entry ----

  public static void packaged(Path project, String registry, String stores) throws IOException {
    String ref = "docker://" + registry + "/demo/packaged:1.0";
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    assertEquals(List.of("java", "-cp", "@/app/jib-classpath-file", "demo.Main"),
        Skopeo.strings(config.get("config").get("Entrypoint")));
    JsonNode base = Skopeo.json("inspect", "--tls-verify=false", "docker://" + registry + "/library/jre:17");
    // the jar, the jvm arg files and the extra files; no dependencies, no classes or resources layers
    assertEquals(base.get("Layers").size() + 3,
        Skopeo.json("inspect", "--tls-verify=false", ref).get("Layers").size());
    Path rootfs = unpack(ref, "packaged", stores);
    assertTrue(Files.isRegularFile(rootfs.resolve("app/classpath/packaged-1.0.jar")));
    assertFalse(Files.exists(rootfs.resolve("app/classes")));
    assertEquals("/opt/conf:/app/classpath/*", Files.readString(rootfs.resolve("app/jib-classpath-file")));
    assertTrue(Files.isRegularFile(rootfs.resolve("opt/conf/greeting.properties")));
    assertFalse(Files.exists(rootfs.resolve("opt/conf/notes.md")), "excluded by **/*.md");
    String out = runEntrypoint(rootfs, config);
    assertTrue(out.contains("packaged: from-extra-classpath from file:/app/classpath/packaged-1.0.jar"), out);
  }

  // ---- war: the exploded WAR under Jetty's webapps/ROOT, the base's entrypoint kept ----

  public static void war(Path project, String registry, String stores) throws IOException {
    String ref = "docker://" + registry + "/demo/web:1.0";
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    JsonNode base = Skopeo.json("inspect", "--tls-verify=false", "--config",
        "docker://" + registry + "/library/jre:17");
    // The servlet container of the base runs the application: its entrypoint and cmd are kept.
    assertEquals(base.get("config").path("Entrypoint"), config.get("config").path("Entrypoint"));
    assertEquals(base.get("config").path("Cmd"), config.get("config").path("Cmd"));
    assertTrue(config.get("config").get("ExposedPorts").has("8080/tcp"));
    List<String> history = new ArrayList<>();
    config.get("history").forEach(h -> history.add(h.path("created_by").asText()));
    assertEquals(List.of("lading: dependencies", "lading: resources", "lading: classes"),
        history.subList(history.size() - 3, history.size()));

    Path rootfs = unpack(ref, "war", stores);
    Path root = rootfs.resolve("var/lib/jetty/webapps/ROOT");
    assertTrue(Files.isRegularFile(root.resolve("index.html")));
    assertTrue(Files.isRegularFile(root.resolve("WEB-INF/classes/web/Hello.class")));
    assertTrue(Files.isRegularFile(root.resolve("WEB-INF/classes/app.properties")));
    assertTrue(Files.isRegularFile(root.resolve("WEB-INF/lib/slf4j-api-2.0.16.jar")));
    assertFalse(Files.exists(rootfs.resolve("app")), "a war goes to the app root of the web server only");
    // What a servlet container would load, run with the image's own java.
    List<String> cmd = new ArrayList<>(Rootfs.inside(rootfs));
    cmd.addAll(List.of("/usr/bin/env", "-i"));
    cmd.addAll(Skopeo.strings(config.get("config").get("Env")));
    cmd.addAll(List.of("/bin/sh", "-c", "exec java -cp /var/lib/jetty/webapps/ROOT/WEB-INF/classes:"
        + "/var/lib/jetty/webapps/ROOT/WEB-INF/lib/* web.Hello"));
    String out = Processes.check(cmd, 120);
    assertTrue(out.contains("web: hello from WEB-INF/classes with LoggerFactory"), out);
  }

  // ---- offline: seed, then -o ----

  public static void offline(Path project, String registry, String stores) throws IOException {
    List<String> runs = invocations(project);
    assertEquals(3, runs.size(), "build.log should hold 3 Maven runs");
    assertTrue(runs.get(0).contains("image:seed"), runs.get(0));
    assertTrue(runs.get(1).contains("image:build") && runs.get(1).contains("BUILD SUCCESS"), runs.get(1));
    Skopeo.run("inspect", "docker-archive:" + project.resolve("target/image.tar"));
    String missing = errorLine(runs.get(2), "image:build failed");
    assertTrue(missing.contains("base image " + registry + "/library/jre:17 is not in the store")
        && missing.contains("image:seed"), missing);
    assertFalse(NestedMaven.hasStackTrace(runs.get(2)), runs.get(2));
  }

  // ---- errors: one clear line each ----

  public static void errors(Path project, String registry, String stores) throws IOException {
    List<String> runs = invocations(project);
    assertEquals(6, runs.size(), "build.log should hold 6 Maven runs");
    String image = registry + "/library/nope:1";
    String unknown = failure(runs.get(1));
    assertTrue(unknown.contains("unknown base image " + image) && unknown.contains("UNKNOWN")
        && unknown.contains("from.image"), unknown);
    String port = failure(runs.get(2));
    assertTrue(port.contains("bad port 'abc'") && port.contains("8080"), port);
    String platform = failure(runs.get(3));
    assertTrue(platform.contains("bad platform 'linux'") && platform.contains("linux/amd64"), platform);
    // With -e, Maven shows the trace for those who want it.
    assertTrue(NestedMaven.hasStackTrace(runs.get(4)), runs.get(4));
    // `mvn clean image:build` would build an image without the application: refused.
    String notCompiled = failure(runs.get(5));
    assertTrue(notCompiled.contains("target/classes does not exist") && notCompiled.contains("mvn package image:build"),
        notCompiled);
  }

  // ---- nomain ----

  public static void nomain(Path project, String registry, String stores) throws IOException {
    List<String> runs = invocations(project);
    String error = failure(runs.get(0));
    assertTrue(error.contains("no main class found") && error.contains("<container><mainClass>"), error);
  }

  // ---- multi: -T 2C into one store ----

  public static void multi(Path project, String registry, String stores) throws IOException {
    String out = invocations(project).get(0);
    assertTrue(out.contains("demo/app-a:1.0") && out.contains("demo/app-b:1.0"), out);
    for (String app : List.of("app-a", "app-b")) {
      JsonNode inspect = Skopeo.json("inspect", "--tls-verify=false", "docker://" + registry + "/demo/" + app + ":1.0");
      assertEquals(Files.readString(project.resolve(app + "/target/image.digest")).trim(),
          inspect.get("Digest").asText());
      // Jib's jib-image.json shape, with imagePushed set by image:push.
      JsonNode summary = dev.lading.model.Json.mapper().readTree(project.resolve(app + "/target/image.json").toFile());
      assertEquals(registry + "/demo/" + app + ":1.0", summary.get("image").asText());
      assertEquals(inspect.get("Digest").asText(), summary.get("imageDigest").asText());
      assertTrue(summary.get("imagePushed").asBoolean(), summary.toString());
    }
    assertTrue(out.contains("image:build skipped"), "the lib module has image.skip: " + out);
    // -T 2C: the modules' step and progress lines interleave, so each names its module.
    assertTrue(out.contains("[INFO] [app-a] layer classes: built") && out.contains("[INFO] [app-b] entrypoint: java"),
        out);

    // app-a's library module has a layer of its own, after the third-party ones (there are none here).
    String ref = "docker://" + registry + "/demo/app-a:1.0";
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    List<String> history = new ArrayList<>();
    config.get("history").forEach(h -> history.add(h.path("created_by").asText()));
    assertTrue(history.containsAll(List.of("lading: project dependencies", "lading: classes")), history.toString());
    assertFalse(history.contains("lading: dependencies"), history.toString());
    Path rootfs = unpack(ref, "multi-app-a", stores);
    assertEquals("/app/resources:/app/classes:/app/libs/lib-1.0.jar",
        Files.readString(rootfs.resolve("app/jib-classpath-file")));
    String run = runEntrypoint(rootfs, config);
    assertTrue(run.contains("app-a with lib"), run);

    FsckReport report = Store.open(Path.of(stores, "multi")).fsck();
    assertTrue(report.clean() && !report.indexRepaired() && report.blobsChecked() > 0, report.toString());
    assertFalse(report.lazy().isEmpty(), "base layers stay lazy: " + report);
  }

  // ---- dockerfile: RUN steps in the Maven lifecycle, no daemon ----

  public static void dockerfile(Path project, String registry, String stores) throws IOException {
    List<String> runs = invocations(project);
    assertEquals(3, runs.size(), "build.log should hold 3 Maven runs");
    String built = runs.get(0);
    // The JRE base has the host's glibc: fakechroot+fakeroot run the RUN step.
    assertTrue(built.contains("executor: fakechroot"), built);
    assertTrue(built.contains("(Dockerfile: 2 layers built, 0 from the step cache)"), built);
    assertTrue(built.contains("image:push " + registry + "/demo/dockerfile:1.0"), built);
    assertTrue(runs.get(1).contains("(Dockerfile: 0 layers built, 2 from the step cache)"), runs.get(1));
    // image:run in the lifecycle: the image's CMD, as its USER, unprivileged.
    assertTrue(runs.get(1).contains("  Hello from a Dockerfile: built-by-run"), runs.get(1));
    assertTrue(runs.get(1).contains("image:run " + registry + "/demo/dockerfile:1.0 exited with 0"), runs.get(1));
    assertTrue(runs.get(2).contains("image:run: " + registry + "/demo/dockerfile:1.0 exited with 1"), runs.get(2));
    assertFalse(NestedMaven.hasStackTrace(runs.get(2)), runs.get(2));
    assertEquals(Files.readString(project.resolve("target/image.digest")).trim(),
        Skopeo.json("inspect", "--tls-verify=false", "docker://" + registry + "/demo/dockerfile:1.0")
            .get("Digest").asText(), "the rebuild from the cache gives the pushed digest");

    String ref = "docker://" + registry + "/demo/dockerfile:1.0";
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    assertEquals(List.of("java", "-cp", "/opt/app/classes", "demo.Main"),
        Skopeo.strings(config.get("config").get("Cmd")));
    assertEquals("1000", config.get("config").get("User").asText());
    Path rootfs = unpack(ref, "dockerfile", stores);
    // What the RUN step chowned under fakeroot is in the layer, so a real unpack (as root) applies it.
    assertEquals(1000, Files.getAttribute(rootfs.resolve("opt/app/data"), "unix:uid"));
    assertEquals("Hello from a Dockerfile: built-by-run", runEntrypoint(rootfs, config).strip());
    // The step read the <secrets> token and the bound POM; neither is in the image.
    assertEquals("13", Files.readString(rootfs.resolve("opt/app/token-length")).strip());
    assertEquals("1", Files.readString(rootfs.resolve("opt/app/pom-seen")).strip());
    assertFalse(Files.exists(rootfs.resolve("run/secrets")) || Files.exists(rootfs.resolve("tmp/pom.xml")));
    // It saw the <sshAgents> socket where SSH_AUTH_SOCK said, and nothing of it is left.
    assertEquals("/run/buildkit/ssh_agent.0", Files.readString(rootfs.resolve("opt/app/ssh-sock")).strip());
    assertFalse(Files.exists(rootfs.resolve("run/buildkit"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Skopeo.json("inspect", "--tls-verify=false", "--config", ref).toString().contains("t0ken"));
    // -Dimage.compressionLevel=1: the steps' layers say "fastest" in their gzip header (XFL 4), as gzip -1's do.
    JsonNode layers = Skopeo.json("inspect", "--tls-verify=false", "--raw", ref).get("layers");
    String last = layers.get(layers.size() - 1).get("digest").asText().substring("sha256:".length());
    // unpack() above copied the image into this layout.
    Path blob = Path.of(stores).resolveSibling("invoker-work").resolve("dockerfile/layout/blobs/sha256").resolve(last);
    byte[] header = new byte[10];
    try (java.io.InputStream in = Files.newInputStream(blob)) {
      assertEquals(10, in.readNBytes(header, 0, 10));
    }
    assertEquals(4, header[8], "XFL of the RUN step's layer");
  }

  // ---- fromdockerfile: the Java layers on a base built from a Dockerfile ----

  public static void fromDockerfile(Path project, String registry, String stores) throws IOException {
    List<String> runs = invocations(project);
    assertEquals(4, runs.size(), "build.log should hold 4 Maven runs");
    String target = registry + "/demo/fromdockerfile:1.0";
    String base = "base image localhost/demo/fromdockerfile/base:1.0 sha256:";
    String built = runs.get(0);
    // The RUN step runs under fakechroot+fakeroot (the JRE base has the host's glibc); ENV, USER and
    // WORKDIR change only the config.
    assertTrue(built.contains("executor: fakechroot"), built);
    assertTrue(built.contains(base) && built.contains("built from src/main/docker/Dockerfile (layers: 1 built,"
        + " 0 from the step cache)"), built);
    assertTrue(built.contains("image:push " + target), built);
    // Rebuilt online, then offline after image:seed: the base's step from the step cache each time.
    for (String rebuilt : List.of(runs.get(1), runs.get(3))) {
      assertTrue(rebuilt.contains("(layers: 0 built, 1 from the step cache)"), rebuilt);
    }
    assertTrue(runs.get(2).contains("seeded " + registry + "/library/jre:17"), runs.get(2));
    assertTrue(runs.get(3).contains("BUILD SUCCESS"), runs.get(3));
    // image:run in the lifecycle: the Java entrypoint, as the Dockerfile's USER, reads the RUN step's file.
    assertTrue(runs.get(1).contains("  Hello from Java on a Dockerfile base: made-by-run"), runs.get(1));
    assertTrue(runs.get(1).contains("image:run " + target + " exited with 0"), runs.get(1));

    String ref = "docker://" + target;
    String pushed = Skopeo.json("inspect", "--tls-verify=false", ref).get("Digest").asText();
    for (String run : List.of(runs.get(0), runs.get(1), runs.get(3))) {
      assertTrue(run.contains("image:build " + target + " " + pushed + " "), "same digest every build: " + run);
    }
    assertEquals(pushed, Files.readString(project.resolve("target/image.digest")).trim());

    // Layers: the JRE's, then the RUN step's, then the Java layers (the JRE's pushed along, mounted).
    List<String> jre = Skopeo.strings(Skopeo.json("inspect", "--tls-verify=false",
        "docker://" + registry + "/library/jre:17").get("Layers"));
    List<String> layers = Skopeo.strings(Skopeo.json("inspect", "--tls-verify=false", ref).get("Layers"));
    assertEquals(jre, layers.subList(0, jre.size()), layers.toString());
    assertTrue(layers.size() >= jre.size() + 2, layers.toString());
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    JsonNode run = config.get("config");
    // The base's config is inherited as from any base: ENV, USER, WORKDIR; the entrypoint is the Java one.
    assertEquals(List.of("java", "-cp", "@/app/jib-classpath-file", "demo.Main"),
        Skopeo.strings(run.get("Entrypoint")));
    assertTrue(Skopeo.strings(run.get("Env")).contains("APP_DATA=/var/lib/app"), run.toString());
    assertEquals("1000", run.get("User").asText());
    assertEquals("/var/lib/app", run.get("WorkingDir").asText());
    assertTrue(config.get("history").toString().contains("RUN "), config.get("history").toString());

    Path rootfs = unpack(ref, "fromdockerfile", stores);
    assertEquals("made-by-run", Files.readString(rootfs.resolve("var/lib/app/marker")).strip());
    assertEquals(1000, Files.getAttribute(rootfs.resolve("var/lib/app"), "unix:uid"), "chowned by the RUN step");
    assertTrue(Files.isRegularFile(rootfs.resolve("app/classes/demo/Main.class")));
    assertEquals("Hello from Java on a Dockerfile base: made-by-run", runEntrypoint(rootfs, config).strip());
  }

  // ---- helpers ----

  /** Copies the image at {@code ref} to an OCI layout with skopeo and unpacks it with umoci; its rootfs. */
  private static Path unpack(String ref, String name, String stores) throws IOException {
    Path work = Path.of(stores).resolveSibling("invoker-work").resolve(name);
    dev.lading.testing.TestFiles.deleteRecursively(work);
    Files.createDirectories(work);
    Skopeo.run("copy", "--src-tls-verify=false", ref, "oci:" + work.resolve("layout") + ":" + name);
    return Rootfs.unpack(work.resolve("layout"), name, work.resolve("bundle"));
  }

  /** Runs the image's entrypoint and cmd in its rootfs, with its env and working directory; the output. */
  static String runEntrypoint(Path rootfs, JsonNode config) throws IOException {
    JsonNode cmd = config.get("config").get("Cmd");
    return Processes.check(entrypointCommand(rootfs, config, cmd == null ? List.of() : Skopeo.strings(cmd)),
        120);
  }

  /** The command that runs the image's entrypoint with {@code args} in its rootfs, env and workdir. */
  private static List<String> entrypointCommand(Path rootfs, JsonNode config, List<String> args) {
    JsonNode run = config.get("config");
    List<String> cmd = new ArrayList<>(Rootfs.inside(rootfs));
    cmd.addAll(List.of("/usr/bin/env", "-i"));
    cmd.addAll(Skopeo.strings(run.get("Env")));
    String workdir = run.hasNonNull("WorkingDir") && !run.get("WorkingDir").asText().isEmpty()
        ? run.get("WorkingDir").asText() : "/";
    cmd.addAll(List.of("/bin/sh", "-c", "mkdir -p \"$0\" && cd \"$0\" && exec \"$@\"", workdir));
    if (run.hasNonNull("Entrypoint")) {
      cmd.addAll(Skopeo.strings(run.get("Entrypoint")));
    }
    cmd.addAll(args);
    return cmd;
  }

  // ---- mirrorimage: lading mirror as a container image, started from its entrypoint ----

  public static void mirrorImage(Path project, String registry, String stores) throws Exception {
    String ref = "docker://" + registry + "/lading/mirror:1";
    JsonNode config = Skopeo.json("inspect", "--tls-verify=false", "--config", ref);
    assertEquals(List.of("mirror", "--listen", "0.0.0.0:5000"),
        Skopeo.strings(config.get("config").get("Cmd")));
    assertTrue(Skopeo.strings(config.get("config").get("Env")).contains("LADING_STORE=/var/lib/lading/store"));
    Path rootfs = unpack(ref, "mirrorimage", stores);
    // As a container runtime would start it, but on a free loopback port: this is the host's network.
    Path log = rootfs.resolveSibling("mirror.log");
    Process mirror = new ProcessBuilder(entrypointCommand(rootfs, config,
        List.of("mirror", "--listen", "127.0.0.1:0"))).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    try {
      java.util.regex.Pattern serving = java.util.regex.Pattern.compile("serving .* at (http://[0-9.:]+)/v2/");
      String url = null;
      for (int i = 0; i < 1200 && url == null && mirror.isAlive(); i++) {
        java.util.regex.Matcher m = serving.matcher(Files.readString(log));
        if (m.find()) {
          url = m.group(1);
        } else {
          Thread.sleep(50);
        }
      }
      assertTrue(url != null, "the mirror in the image did not start:\n" + Files.readString(log));
      java.net.HttpURLConnection c =
          (java.net.HttpURLConnection) java.net.URI.create(url + "/v2/").toURL().openConnection();
      assertEquals(200, c.getResponseCode(), Files.readString(log));
      assertTrue(Files.isRegularFile(rootfs.resolve("var/lib/lading/store/oci-layout")),
          "the store is where LADING_STORE says");
    } finally {
      mirror.destroy();
      mirror.waitFor();
    }
  }

  /** The output of each Maven run of the IT, in order: invoker appends them all to build.log. */
  static List<String> invocations(Path project) throws IOException {
    List<String> runs = new ArrayList<>();
    StringBuilder current = null;
    for (String line : Files.readAllLines(project.resolve("build.log"), StandardCharsets.UTF_8)) {
      if (line.contains("Scanning for projects...")) {
        current = new StringBuilder();
        runs.add(null);
      }
      if (current != null) {
        current.append(line).append('\n');
        runs.set(runs.size() - 1, current.toString());
      }
    }
    return runs;
  }

  /** The one [ERROR] line about the failed goal; the run must have failed without a stack trace. */
  private static String failure(String output) {
    assertTrue(output.contains("BUILD FAILURE"), output);
    assertFalse(NestedMaven.hasStackTrace(output), output);
    return errorLine(output, "image:build failed");
  }

  private static String errorLine(String output, String marker) {
    return SettingsIT.errorLine(output, marker);
  }
}
