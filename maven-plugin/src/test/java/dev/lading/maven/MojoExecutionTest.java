package dev.lading.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.Platform;
import dev.lading.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.maven.api.plugin.testing.InjectMojo;
import org.apache.maven.api.plugin.testing.MojoTest;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The goals run for real on a real store, without a registry: offline (-o) builds from a seeded
 * store, skipping, and the one-line failures a user meets first.
 */
@MojoTest
class MojoExecutionTest {
  private static final String SIMPLE = "src/test/resources/unit/simple/pom.xml";
  private static final String BASE = "registry.example.com/library/base:1";
  private static final String FROM_DOCKERFILE = "src/test/resources/unit/from-dockerfile/pom.xml";

  @TempDir
  Path dir;

  private String store() {
    return "image.store=" + dir.resolve("store");
  }

  /** Puts a one-platform, layerless base image in the store under {@link #BASE}, as image:seed would. */
  private void seedBase() throws Exception {
    Store store = Store.open(dir.resolve("store"));
    Descriptor config = store.put(ImageFormat.OCI.configType(),
        Json.write(ImageConfig.scratch(Platform.of("linux", "amd64"))));
    ImageManifest manifest = ImageManifest.of(ImageFormat.OCI, config, List.of());
    store.setRef(BASE, store.put(manifest.contentType(), Json.write(manifest)));
  }

  /**
   * Seeds the base, then gives the mojo an offline project in {@code app} with a compiled class and these
   * user properties (besides the store); the project's directory.
   */
  private Path offlineProject(AbstractImageMojo mojo, String... userProperties) throws Exception {
    seedBase();
    Path project = dir.resolve("app");
    String[] properties = new String[userProperties.length + 1];
    properties[0] = store();
    System.arraycopy(userProperties, 0, properties, 1, userProperties.length);
    RealMaven.attach(mojo, project, true, properties);
    RealMaven.classes(project);
    return project;
  }

  /**
   * The mojo's warnings, collected from now on (other lines still go to the console), but for the
   * "not pushed" line that every image:build without a push in the build ends with.
   */
  private static List<String> recordWarnings(AbstractImageMojo mojo) {
    List<String> warnings = new java.util.ArrayList<>();
    mojo.setLog(new org.apache.maven.plugin.logging.SystemStreamLog() {
      @Override
      public void warn(CharSequence content) {
        if (!content.toString().contains(", not pushed: ")) {
          warnings.add(content.toString());
        }
      }
    });
    return warnings;
  }

  @Test
  @InjectMojo(goal = "export", pom = SIMPLE)
  void exportAloneBuildsTheImageAndWritesItsGzipLayersAsTheyAre(ExportMojo mojo) throws Exception {
    Path project = offlineProject(mojo);
    mojo.execute();
    String digest = digest(project);
    assertTrue(digest.startsWith("sha256:"), "built first: " + digest);
    java.util.Map<String, byte[]> heads = new java.util.TreeMap<>();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        Files.newInputStream(project.resolve("target/image.tar")))) {
      for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        heads.put(e.getName(), tar.readNBytes(2));
      }
    }
    List<String> layers = heads.keySet().stream().filter(n -> n.endsWith(".tar.gz")).toList();
    assertTrue(!layers.isEmpty() && layers.stream().allMatch(n -> heads.get(n)[0] == (byte) 0x1f
        && heads.get(n)[1] == (byte) 0x8b), heads.keySet().toString());

    // Uncompressed on request, as docker save writes them.
    mojo.exportUncompressed = true;
    mojo.execute();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        Files.newInputStream(project.resolve("target/image.tar")))) {
      for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        assertFalse(e.getName().endsWith(".tar.gz"), e.getName());
      }
    }
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void aBuildWithoutAPushInTheSameBuildSaysItWasNotPushed(BuildMojo mojo) throws Exception {
    List<String> warnings = new java.util.ArrayList<>();
    mojo.setLog(new org.apache.maven.plugin.logging.SystemStreamLog() {
      @Override
      public void warn(CharSequence content) {
        warnings.add(content.toString());
      }
    });
    offlineProject(mojo);
    mojo.session.getRequest().setGoals(List.of("package"));
    mojo.execute();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("built into the store as registry.example.com/team/app:1.0, not pushed:")
        && warnings.get(0).contains("image:push"), warnings.get(0));

    // image:push on the command line, or bound in <executions> to a phase the build reaches: no warning.
    warnings.clear();
    mojo.session.getRequest().setGoals(List.of("package", "image:push"));
    mojo.execute();
    org.apache.maven.model.Plugin plugin = new org.apache.maven.model.Plugin();
    plugin.setGroupId("dev.lading");
    plugin.setArtifactId("image-maven-plugin");
    org.apache.maven.model.PluginExecution push = new org.apache.maven.model.PluginExecution();
    push.setId("image");
    push.setPhase("package");
    push.setGoals(List.of("build", "push"));
    plugin.addExecution(push);
    mojo.project.getBuild().addPlugin(plugin);
    mojo.session.getRequest().setGoals(List.of("verify"));
    mojo.execute();
    assertEquals(List.of(), warnings);
    mojo.session.getRequest().setGoals(List.of("compile", "image:build"));
    mojo.execute();
    assertEquals(1, warnings.size(), warnings.toString());
  }

  private static String digest(Path project) throws Exception {
    return Files.readString(project.resolve("target/image.digest")).trim();
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void aUserWithoutAWritableHomeGetsAFallbackStoreAndIsToldSo(BuildMojo mojo) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("LADING_STORE") == null
        && System.getenv("TMPDIR") == null, "the environment names a store or a temp directory");
    String home = System.getProperty("user.home");
    String tmp = System.getProperty("java.io.tmpdir");
    String user = System.getProperty("user.name");
    try {
      // A home that cannot hold a directory, as /nonexistent for a CI user (unusable for root too).
      System.setProperty("user.home", Files.writeString(dir.resolve("home"), "").toString());
      System.setProperty("java.io.tmpdir", Files.createDirectory(dir.resolve("tmp")).toString());
      System.setProperty("user.name", "ci");
      Path fallback = dir.resolve("tmp/lading-ci/store");
      Store store = Store.open(Store.defaultDirectory().path());
      assertEquals(fallback, store.root());
      Descriptor config = store.put(ImageFormat.OCI.configType(),
          Json.write(ImageConfig.scratch(Platform.of("linux", "amd64"))));
      ImageManifest manifest = ImageManifest.of(ImageFormat.OCI, config, List.of());
      store.setRef(BASE, store.put(manifest.contentType(), Json.write(manifest)));
      List<String> warnings = recordWarnings(mojo);
      Path project = dir.resolve("app");
      RealMaven.attach(mojo, project, true);
      RealMaven.classes(project);
      mojo.execute();
      assertTrue(store.ref("registry.example.com/team/app:1.0").isPresent(), "built into the fallback store");
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(warnings.get(0).startsWith("using the store " + fallback + " (") && warnings.get(0)
          .contains("-Dimage.store=DIR (Maven)"), warnings.get(0));
    } finally {
      System.setProperty("user.home", home);
      System.setProperty("java.io.tmpdir", tmp);
      System.setProperty("user.name", user);
    }
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void aProjectWithADockerfileIsBuiltFromIt(BuildMojo mojo) throws Exception {
    Path project = dir.resolve("app");
    RealMaven.attach(mojo, project, true, store(), "image.dockerfileTarget=final");
    RealMaven.classes(project);
    Files.createDirectories(project.resolve("src/main/docker"));
    Files.writeString(project.resolve("src/main/docker/Dockerfile"), "FROM scratch AS unused\n"
        + "FROM scratch AS final\nARG GREETING\nENV GREETING=$GREETING\n"
        + "COPY target/classes/ /app/classes/\nCMD [\"/app/run\"]\n");
    mojo.buildArgs = java.util.Map.of("GREETING", "hello");
    List<String> warnings = new java.util.ArrayList<>();
    mojo.setLog(new org.apache.maven.plugin.logging.SystemStreamLog() {
      @Override
      public void warn(CharSequence content) {
        warnings.add(content.toString());
      }
    });
    mojo.execute();
    Store store = Store.open(dir.resolve("store"));
    Descriptor image = store.ref("registry.example.com/team/app:1.0").orElseThrow();
    assertEquals(image.digest().toString(), digest(project));
    ImageManifest manifest = Json.read(store.bytes(image.digest()), ImageManifest.class, "manifest");
    ImageConfig config = Json.read(store.bytes(manifest.config().digest()), ImageConfig.class, "config");
    assertEquals(List.of("GREETING=hello"), config.configOrEmpty().env(), "build args reach ENV");
    assertEquals(List.of("/app/run"), config.configOrEmpty().cmd());
    assertEquals(1, manifest.layers().size(), "one layer, the COPY's");
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        new java.util.zip.GZIPInputStream(Files.newInputStream(store.blobPath(manifest.layers().get(0).digest()))))) {
      List<String> names = new java.util.ArrayList<>();
      for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        names.add(e.getName());
      }
      assertTrue(names.contains("app/classes/demo/Main.class"), names.toString());
    }
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("built into the store as registry.example.com/team/app:1.0, not pushed"),
        warnings.get(0));
  }

  @Test
  @InjectMojo(goal = "build", pom = FROM_DOCKERFILE)
  void theJavaLayersGoOnTopOfTheImageThatFromDockerfileBuilds(BuildMojo mojo) throws Exception {
    seedBase();
    Path project = dir.resolve("app");
    RealMaven.attach(mojo, project, true, store(), "image.from.dockerfile=src/main/docker/Dockerfile");
    RealMaven.classes(project);
    Path docker = Files.createDirectories(project.resolve("src/main/docker"));
    Files.writeString(docker.resolve("Dockerfile"), "ARG BASE\nFROM $BASE\nENV APP_DATA=/var/lib/app\n"
        + "COPY base.txt /etc/base.txt\nUSER 1000\nCMD [\"replaced\"]\n");
    Files.writeString(docker.resolve("base.txt"), "from the base\n");
    mojo.from.contextDirectory = docker.toFile();
    mojo.buildArgs = java.util.Map.of("BASE", BASE);

    mojo.execute();

    Store store = Store.open(dir.resolve("store"));
    Descriptor base = store.ref("localhost/team/app/base:1.0").orElseThrow();
    Descriptor image = store.ref("registry.example.com/team/app:1.0").orElseThrow();
    ImageManifest baseManifest = Json.read(store.bytes(base.digest()), ImageManifest.class, "manifest");
    ImageManifest manifest = Json.read(store.bytes(image.digest()), ImageManifest.class, "manifest");
    assertEquals(1, baseManifest.layers().size(), "the COPY's layer");
    assertEquals(baseManifest.layers(), manifest.layers().subList(0, 1), "the base's layers first");
    assertTrue(manifest.layers().size() > 1, "then the Java layers");
    ImageConfig config = Json.read(store.bytes(manifest.config().digest()), ImageConfig.class, "config");
    assertEquals(List.of("APP_DATA=/var/lib/app"), config.configOrEmpty().env(), "the base's ENV is inherited");
    assertEquals("1000", config.configOrEmpty().user());
    assertEquals("java", config.configOrEmpty().entrypoint().get(0));
    assertEquals(null, config.configOrEmpty().cmd(), "a new entrypoint drops the base's CMD");

    mojo.execute();
    assertEquals(image.digest().toString(), digest(project), "a rebuild from the step cache gives the same image");
  }

  @Test
  @InjectMojo(goal = "seed", pom = FROM_DOCKERFILE)
  void seedPutsTheFromImagesOfTheBasesDockerfileInTheStoreUnderTheirWrittenNames(SeedMojo mojo) throws Exception {
    seedBase();
    Store store = Store.open(dir.resolve("store"));
    // Stored under its normalised name, as a pull by its short name would store it.
    store.setRef("docker.io/library/base:1", store.ref(BASE).orElseThrow());
    Path project = dir.resolve("app");
    RealMaven.attach(mojo, project, true, store(), "image.from.dockerfile=src/main/docker/Dockerfile");
    Files.createDirectories(project.resolve("src/main/docker"));
    Files.writeString(project.resolve("src/main/docker/Dockerfile"),
        "ARG BASE\nFROM $BASE AS build\nFROM build\nFROM scratch\n");
    mojo.buildArgs = java.util.Map.of("BASE", "base:1");

    mojo.execute();

    // The Dockerfile build looks FROM base:1 up in the store by that text; the stage and scratch need nothing.
    assertEquals(store.ref(BASE), store.ref("base:1"));
    assertEquals(List.of("base:1", "docker.io/library/base:1", BASE),
        store.refs().stream().map(dev.lading.store.StoreRef::name).sorted().toList());
  }

  @Test
  @InjectMojo(goal = "build", pom = "src/test/resources/unit/jib-extensions/pom.xml")
  void jibPluginExtensionsAreRefusedWithWhatToDoInstead(BuildMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir.resolve("app"), true, store());
    MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
    assertTrue(e.getMessage().startsWith("image:build failed: <pluginExtensions> (Jib's extension framework) is"
        + " not supported; remove it."), e.getMessage());
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void buildsOfflineFromTheStoreReproduciblyAndRebuildsOnAChange(BuildMojo mojo) throws Exception {
    Path project = offlineProject(mojo);
    mojo.execute();
    String first = digest(project);
    assertTrue(first.startsWith("sha256:"), first);
    assertTrue(Files.readString(project.resolve("target/image.id")).startsWith("sha256:"));
    assertEquals(first, Store.open(dir.resolve("store")).ref("registry.example.com/team/app:1.0")
        .orElseThrow().digest().toString());

    mojo.execute();
    assertEquals(first, digest(project), "an unchanged rebuild gave another digest");

    Files.write(project.resolve("target/classes/demo/Main.class"), new byte[] {(byte) 0xCA, (byte) 0xFE, 1});
    mojo.execute();
    assertNotEquals(first, digest(project));
  }

  @Test
  @InjectMojo(goal = "build", pom = "src/test/resources/unit/jib-docker/pom.xml")
  void jibsDockerClientAndSkaffoldSettingsAreIgnoredWithAWarning(BuildMojo mojo) throws Exception {
    List<String> warnings = recordWarnings(mojo);
    Path project = offlineProject(mojo);
    mojo.execute();
    assertTrue(digest(project).startsWith("sha256:"));
    // A second goal of the same build (image:push after image:build) does not say it again.
    mojo.execute();
    assertEquals(List.of("<dockerClient> is ignored: it configures Jib's Docker-daemon goal, which has no"
            + " counterpart here (image:export writes a tar)",
        "<skaffold> is ignored: it configures Skaffold's use of Jib"),
        warnings.stream().filter(w -> w.contains("is ignored")).toList());
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void aMainClassThatIsNowhereIsAWarningThatNamesIt(BuildMojo mojo) throws Exception {
    List<String> warnings = recordWarnings(mojo);
    Path project = offlineProject(mojo);
    mojo.execute();
    assertEquals(List.of(), warnings, "demo.Main is in target/classes");

    RealMaven.attach(mojo, project, true, store(), "image.container.mainClass=demo.Mian");
    mojo.execute();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("main class demo.Mian is neither in ")
        && warnings.get(0).contains("check <container><mainClass>"), warnings.get(0));
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void outputPathsPutTheDigestIdAndSummaryWhereTheyAreAskedFor(BuildMojo mojo) throws Exception {
    Path project = offlineProject(mojo, "image.to.tags=1.0,latest");
    OutputPaths paths = new OutputPaths();
    paths.digest = dir.resolve("out/jib-image.digest").toFile();
    paths.imageId = dir.resolve("out/jib-image.id").toFile();
    org.apache.maven.api.plugin.testing.MojoExtension.setVariableValueToObject(mojo, "outputPaths", paths);
    mojo.execute();

    String digest = Files.readString(dir.resolve("out/jib-image.digest")).trim();
    assertTrue(digest.startsWith("sha256:"), digest);
    assertFalse(Files.exists(project.resolve("target/image.digest")), "the default path is not written too");
    var json = Json.mapper().readTree(project.resolve("target/image.json").toFile());
    assertEquals("registry.example.com/team/app:1.0", json.get("image").asText());
    assertEquals(digest, json.get("imageDigest").asText());
    assertEquals(Files.readString(dir.resolve("out/jib-image.id")).trim(), json.get("imageId").asText());
    assertEquals(List.of("1.0", "latest"), List.of(json.get("tags").get(0).asText(), json.get("tags").get(1).asText()));
    assertEquals(2, json.get("tags").size());
    assertFalse(json.get("imagePushed").asBoolean());
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void offlineWithoutTheBaseSaysToSeed(BuildMojo mojo) throws Exception {
    Path project = dir.resolve("app");
    RealMaven.attach(mojo, project, true, store());
    RealMaven.classes(project);
    String message = assertThrows(MojoFailureException.class, mojo::execute).getMessage();
    assertTrue(message.startsWith("image:build failed: base image " + BASE + " is not in the store")
        && message.contains("image:seed"), message);
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void nothingCompiledIsRefused(BuildMojo mojo) throws Exception {
    seedBase();
    // A project with sources that were never compiled (mvn clean image:build). One with no sources
    // at all (an image of its dependencies) builds: it/src/it/mirrorimage.
    RealMaven.attach(mojo, dir.resolve("app"), true, store())
        .addCompileSourceRoot(Files.createDirectories(dir.resolve("app/src/main/java")).toString());
    String message = assertThrows(MojoFailureException.class, mojo::execute).getMessage();
    assertTrue(message.contains("target/classes does not exist") && message.contains("mvn package image:build"),
        message);
  }

  @Test
  @InjectMojo(goal = "build", pom = SIMPLE)
  void skipAndPomPackagingTouchNothing(BuildMojo mojo) throws Exception {
    Path project = dir.resolve("app");
    RealMaven.attach(mojo, project, true, store(), "image.skip=true");
    mojo.execute();
    RealMaven.attach(mojo, project, true, store()).getModel().setPackaging("pom");
    mojo.execute();
    assertFalse(Files.exists(dir.resolve("store")), "a skipped goal opened the store");
    assertFalse(Files.exists(project.resolve("target/image.digest")));
  }

  @Test
  @InjectMojo(goal = "push", pom = SIMPLE)
  void pushWithoutABuildSaysToBuildFirst(PushMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir.resolve("app"), false, store());
    String message = assertThrows(MojoFailureException.class, mojo::execute).getMessage();
    assertTrue(message.contains("registry.example.com/team/app:1.0 is not in the store")
        && message.contains("run image:build first"), message);
  }

  @Test
  @InjectMojo(goal = "push", pom = SIMPLE)
  void pushRefusesToWorkOffline(PushMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir.resolve("app"), true, store());
    String message = assertThrows(MojoFailureException.class, mojo::execute).getMessage();
    assertTrue(message.contains("cannot work offline"), message);
  }
}
