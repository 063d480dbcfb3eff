package dev.lading.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.transfer.Mirrors;
import dev.lading.build.BuildResult.LayerOutcome;
import dev.lading.layer.LayerEntry;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.ImageReference;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.registry.RegistryClient;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build engine with real files, a real store and a real registry. */
class ImageBuilderTest {
  private static LocalRegistry registry;
  private static RegistryClient client;
  private static TestBase base;
  private static ImageReference baseRef;

  @TempDir Path tmp;
  private Store store;
  private Path project;

  @BeforeAll
  static void startRegistry() throws IOException {
    registry = LocalRegistry.start();
    client = RegistryClient.builder().build();
    base = TestBase.push(client, registry.hostPort(), "library/base", "1", Platform.of("linux", "amd64"));
    baseRef = ImageReference.parse(registry.hostPort() + "/library/base:1");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @BeforeEach
  void project() throws IOException {
    store = Store.open(tmp.resolve("store"));
    project = tmp.resolve("project");
    writeMain("Hello");
    Path resources = project.resolve("target/classes/app.properties");
    Files.writeString(resources, "greeting=hi\n");
    Path libs = Files.createDirectories(project.resolve("libs"));
    jar(libs.resolve("lib-1.0.jar"), "lib/A.txt");
    jar(libs.resolve("snap-1.0-SNAPSHOT.jar"), "snap/B.txt");
    Path extra = Files.createDirectories(project.resolve("src/main/jib/opt/tool"));
    Files.writeString(extra.resolve("run.sh"), "#!/bin/sh\necho tool\n");
  }

  private void writeMain(String word) throws IOException {
    Path src = Files.createDirectories(project.resolve("src/demo")).resolve("Main.java");
    Files.writeString(src, "package demo; public class Main { public static void main(String[] a) {"
        + " System.out.println(\"" + word + "\"); } }");
    Path classes = Files.createDirectories(project.resolve("target/classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), src.toString()));
  }

  private static void jar(Path file, String entry) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out)) {
      ZipEntry e = new ZipEntry(entry);
      e.setTime(0);
      jar.putNextEntry(e);
      jar.write(entry.getBytes(StandardCharsets.UTF_8));
      jar.closeEntry();
    }
  }

  private JavaImagePlan plan(String target, ContainerSettings container, ImageFormat format,
      List<Platform> platforms, ImageReference from) {
    List<LayerSpec> layers = JavaLayers.of(List.of(
            new JavaLayers.Dependency(project.resolve("libs/lib-1.0.jar"), "org.example", false),
            new JavaLayers.Dependency(project.resolve("libs/snap-1.0-SNAPSHOT.jar"), "org.example", true)),
        project.resolve("target/classes"),
        List.of(new JavaLayers.ExtraDirectory(project.resolve("src/main/jib"), "/",
            Map.of("/opt/tool/run.sh", 0750))),
        container.appRoot());
    return new JavaImagePlan(from, platforms, ImageReference.parse(target), List.of("latest"), format,
        container, layers, null, null);
  }

  private JavaImagePlan plan() {
    return plan(registry.hostPort() + "/demo/app:1.0", ContainerSettings.ofMainClass("demo.Main"),
        ImageFormat.OCI, List.of(), baseRef);
  }

  private BuildResult build(JavaImagePlan plan) throws IOException {
    return new ImageBuilder(store, client, Mirrors.none(), BuildListener.NONE).build(plan);
  }

  private ImageManifest manifest(Descriptor d) throws IOException {
    return Json.read(store.bytes(d.digest()), ImageManifest.class, "manifest");
  }

  private ImageConfig config(ImageManifest m) throws IOException {
    return Json.read(store.bytes(m.config().digest()), ImageConfig.class, "config");
  }

  @Test
  void buildsJibStyleLayersOnTheBaseWithoutDownloadingBaseLayers() throws IOException {
    BuildResult result = build(plan());

    assertEquals(List.of("dependencies", "snapshot dependencies", "resources", "classes", "extra files"),
        result.layers().stream().map(LayerOutcome::name).toList());
    ImageManifest m = manifest(result.image());
    assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
    assertEquals(base.layers(), m.layers().subList(0, 2));
    assertEquals(7, m.layers().size());
    for (Descriptor baseLayer : base.layers()) {
      assertFalse(store.has(baseLayer.digest()), "base layer bytes must not be pulled by a build");
      assertEquals(List.of(BlobOrigin.parse(registry.hostPort() + "/library/base")),
          store.origins(baseLayer.digest()));
    }
    assertEquals(result.image(), store.ref(registry.hostPort() + "/demo/app:1.0").orElseThrow());
    assertEquals(result.image(), store.ref(registry.hostPort() + "/demo/app:latest").orElseThrow());
    assertEquals(m.config().digest(), result.configDigest());
  }

  @Test
  void configHasEntrypointSettingsAndHistory() throws IOException {
    ContainerSettings settings = new ContainerSettings(null, List.of("-Xmx64m"), List.of("a", "b"), null,
        Map.of("APP_MODE", "prod", "BASE", "2"), Map.of("org.example.team", "x"), List.of("8080", "53/udp"),
        "1000:1000", "/work", List.of("/data"), null);
    settings = new ContainerSettings("demo.Main", settings.jvmFlags(), settings.args(), null,
        settings.environment(), settings.labels(), settings.ports(), settings.user(),
        settings.workingDirectory(), settings.volumes(), null);
    BuildResult result = build(plan(registry.hostPort() + "/demo/cfg:1", settings, ImageFormat.OCI,
        List.of(), baseRef));
    ImageConfig config = config(manifest(result.image()));
    ImageConfig.RunConfig run = config.configOrEmpty();

    assertEquals(List.of("java", "-Xmx64m", "-cp", "/app/resources:/app/classes:/app/libs/*", "demo.Main"),
        run.entrypoint());
    assertEquals(List.of("a", "b"), run.cmd());
    assertEquals(List.of("PATH=/usr/bin:/bin", "BASE=2", "APP_MODE=prod"), run.env());
    assertEquals(Map.of("base.label", "yes", "org.example.team", "x"), run.labels());
    assertEquals(java.util.Set.of("22/tcp", "53/udp", "8080/tcp"), run.exposedPorts());
    assertEquals("1000:1000", run.user());
    assertEquals("/work", run.workingDir());
    assertEquals(java.util.Set.of("/data"), run.volumes());
    assertEquals("1970-01-01T00:00:00Z", config.created());
    assertEquals(7, config.diffIds().size());
    assertEquals(List.of("base 0", "base 1", "lading: dependencies", "lading: snapshot dependencies",
            "lading: resources", "lading: classes", "lading: extra files"),
        config.history().stream().map(ImageConfig.History::createdBy).toList());
  }

  @Test
  void rebuildingUnchangedGivesTheSameDigestFromTheCache() throws IOException {
    BuildResult first = build(plan());
    BuildResult second = build(plan());

    assertEquals(first.image(), second.image());
    assertTrue(second.layers().stream().allMatch(LayerOutcome::cached));
    // Even with an empty cache (another machine, a fresh store) the bytes are the same.
    Store fresh = Store.open(tmp.resolve("fresh-store"));
    BuildResult elsewhere = new ImageBuilder(fresh, client, Mirrors.none(), BuildListener.NONE).build(plan());
    assertEquals(first.image().digest(), elsewhere.image().digest());
    assertTrue(elsewhere.layers().stream().noneMatch(LayerOutcome::cached));
  }

  @Test
  void aCodeChangeRebuildsOnlyTheClassesLayer() throws IOException {
    BuildResult first = build(plan());
    writeMain("Changed");
    Path classFile = project.resolve("target/classes/demo/Main.class");
    Files.setLastModifiedTime(classFile, FileTime.from(Instant.now().plusSeconds(5)));
    BuildResult second = build(plan());

    assertNotEquals(first.image().digest(), second.image().digest());
    for (int i = 0; i < first.layers().size(); i++) {
      LayerOutcome before = first.layers().get(i);
      LayerOutcome after = second.layers().get(i);
      boolean isClasses = before.name().equals(JavaLayers.CLASSES);
      assertEquals(!isClasses, after.cached(), before.name());
      assertEquals(!isClasses, before.digest().equals(after.digest()), before.name());
    }
  }

  @Test
  void reportsTheLayersInLayerOrderThoughTheyAreBuiltInParallel() throws IOException {
    List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    BuildListener listener = new BuildListener() {
      @Override
      public void info(String message) {
        lines.add(message);
      }
    };
    new ImageBuilder(store, client, Mirrors.none(), listener).build(plan());

    List<String> layerLines = lines.stream().filter(l -> l.startsWith("layer ")).toList();
    assertEquals(List.of("dependencies", "snapshot dependencies", "resources", "classes", "extra files"),
        layerLines.stream().map(l -> l.substring("layer ".length(), l.indexOf(':'))).toList());
    assertTrue(layerLines.stream().allMatch(l -> l.contains(": built ")), layerLines.toString());
  }

  @Test
  void aLayerThatCannotBeBuiltFailsTheBuildAndSetsNoRef() throws IOException {
    Files.delete(project.resolve("libs/lib-1.0.jar"));

    IOException e = assertThrows(IOException.class, () -> build(plan()));

    assertTrue(e.getMessage().contains("lib-1.0.jar") && e.getMessage().contains("does not exist"),
        e.getMessage());
    assertTrue(store.ref(registry.hostPort() + "/demo/app:1.0").isEmpty());
  }

  @Test
  void worksOfflineFromTheStoreAndNamesAMissingBase() throws IOException {
    BuildResult online = build(plan());
    BuildResult offline = new ImageBuilder(store, null, Mirrors.none(), BuildListener.NONE).build(plan());
    assertEquals(online.image(), offline.image());

    ImageReference unknown = ImageReference.parse(registry.hostPort() + "/library/other:9");
    JavaImagePlan missing = plan(registry.hostPort() + "/demo/app:2", ContainerSettings.ofMainClass("demo.Main"),
        ImageFormat.OCI, List.of(), unknown);
    ImageNotAvailableException e = assertThrows(ImageNotAvailableException.class,
        () -> new ImageBuilder(store, null, Mirrors.none(), BuildListener.NONE).build(missing));
    assertTrue(e.getMessage().contains(unknown.toString()) && e.getMessage().contains("image:seed"),
        e.getMessage());
  }

  @Test
  void aBaseBuiltIntoTheStoreIsReadFromTheStoreOnlineAndGetsNoOrigin() throws IOException {
    BuildResult first = build(plan());
    ImageManifest firstManifest = manifest(first.image());
    // No registry serves localhost:443 here: the build must not ask one for a base built locally.
    ImageReference stored = ImageReference.parse("localhost/demo/app-base:1").withDigest(first.image().digest());
    JavaImagePlan onTop = plan(registry.hostPort() + "/demo/on-top:1", ContainerSettings.ofMainClass("demo.Main"),
        ImageFormat.OCI, List.of(), stored).onStoredBase(stored);

    BuildResult result = build(onTop);

    ImageManifest m = manifest(result.image());
    assertEquals(firstManifest.layers(), m.layers().subList(0, firstManifest.layers().size()));
    assertEquals(firstManifest.layers().size() + result.layers().size(), m.layers().size());
    Descriptor ownLayer = firstManifest.layers().get(firstManifest.layers().size() - 1);
    assertEquals(List.of(), store.origins(ownLayer.digest()), "a locally built layer has no registry to come from");
    assertEquals(List.of(BlobOrigin.parse(registry.hostPort() + "/library/base")),
        store.origins(base.layers().get(0).digest()));
  }

  @Test
  void anUnknownBaseImageIsAClearError() {
    ImageReference unknown = ImageReference.parse(registry.hostPort() + "/library/nope:1");
    JavaImagePlan p = plan(registry.hostPort() + "/demo/app:3", ContainerSettings.ofMainClass("demo.Main"),
        ImageFormat.OCI, List.of(), unknown);
    ImageNotAvailableException e = assertThrows(ImageNotAvailableException.class, () -> build(p));
    assertTrue(e.getMessage().startsWith("unknown base image " + unknown), e.getMessage());
  }

  @Test
  void dockerFormatConvertsTheBaseLayerTypes() throws IOException {
    BuildResult result = build(plan(registry.hostPort() + "/demo/docker:1",
        ContainerSettings.ofMainClass("demo.Main"), ImageFormat.DOCKER, List.of(), baseRef));
    ImageManifest m = manifest(result.image());
    assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
    assertTrue(m.layers().stream().allMatch(l -> l.mediaType().equals(MediaTypes.DOCKER_LAYER_GZIP)));
    assertEquals(MediaTypes.DOCKER_CONFIG, m.config().mediaType());
  }

  @Test
  void severalPlatformsGiveAnIndexWithOneImageEach() throws IOException {
    List<Platform> platforms = List.of(Platform.of("linux", "amd64"), Platform.of("linux", "arm64"));
    TestBase.pushIndex(client, registry.hostPort(), "library/multi", "1", platforms);
    ImageReference multi = ImageReference.parse(registry.hostPort() + "/library/multi:1");
    BuildResult result = build(plan(registry.hostPort() + "/demo/multi:1",
        ContainerSettings.ofMainClass("demo.Main"), ImageFormat.DOCKER, platforms, multi));

    ManifestDocument doc = ManifestDocument.parse(store.bytes(result.imageDigest()), result.image().mediaType());
    ImageIndex index = (ImageIndex) doc;
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, index.mediaType());
    assertEquals(platforms, index.availablePlatforms());
    ImageConfig arm = config(manifest(index.manifests().get(1)));
    assertEquals("arm64", arm.architecture());
    // The application layers are shared by both platforms.
    assertEquals(manifest(index.manifests().get(0)).layers().subList(2, 7),
        manifest(index.manifests().get(1)).layers().subList(2, 7));
  }

  @Test
  void inheritKeepsTheBaseEntrypointAndCmd() throws IOException {
    ContainerSettings inherit = new ContainerSettings(null, null, null, List.of("INHERIT"), null, null, null,
        null, null, null, null);
    BuildResult result = build(plan(registry.hostPort() + "/demo/inherit:1", inherit, ImageFormat.OCI,
        List.of(), baseRef));
    ImageConfig.RunConfig run = config(manifest(result.image())).configOrEmpty();
    assertEquals(null, run.entrypoint());
    assertEquals(List.of("/bin/sh"), run.cmd());
  }

  @Test
  void findsTheMainClassInTheBuildOutput() throws IOException {
    // A truncated or foreign *.class file (a resource named so) is not a candidate, nor an error.
    Files.write(project.resolve("target/classes/demo/Stray.class"), new byte[] {(byte) 0xCA, (byte) 0xFE});
    assertEquals("demo.Main", MainClassFinder.find(null, project.resolve("target/classes")));
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> MainClassFinder.find(null, empty));
    assertTrue(e.getMessage().contains("mainClass"), e.getMessage());
  }

  @Test
  void java9PlusReadsTheClassPathFileThatListsJarsInMavenOrder() throws IOException {
    // Maven's order interleaves releases and snapshots; two jars share a file name.
    Path other = Files.createDirectories(project.resolve("other"));
    jar(other.resolve("lib-1.0.jar"), "other/Lib.class");
    List<JavaLayers.Dependency> deps = List.of(
        new JavaLayers.Dependency(project.resolve("libs/snap-1.0-SNAPSHOT.jar"), "org.example", true),
        new JavaLayers.Dependency(project.resolve("libs/lib-1.0.jar"), "org.example", false),
        new JavaLayers.Dependency(other.resolve("lib-1.0.jar"), "com.other", false));
    List<String> inImage = JavaLayers.dependencyPaths(deps, "/app");
    assertEquals(List.of("/app/libs/snap-1.0-SNAPSHOT.jar", "/app/libs/org.example-lib-1.0.jar",
        "/app/libs/com.other-lib-1.0.jar"), inImage);
    ContainerSettings java17 = new ContainerSettings("demo.Main", List.of("-Xss512k"), null, null, null, null,
        null, null, null, null, null, List.of("/opt/agent/*"), false, inImage, true);
    List<LayerSpec> layers = JavaLayers.of(deps, project.resolve("target/classes"), null, List.of(), java17);
    BuildResult result = build(new JavaImagePlan(baseRef, List.of(),
        ImageReference.parse(registry.hostPort() + "/demo/argfile:1"), List.of(), ImageFormat.OCI, java17,
        layers, null, null));

    assertEquals(List.of("dependencies", "snapshot dependencies", "resources", "classes", "jvm arg files"),
        result.layers().stream().map(LayerOutcome::name).toList());
    assertEquals(List.of("java", "-Xss512k", "-cp", "@/app/jib-classpath-file", "demo.Main"),
        config(manifest(result.image())).configOrEmpty().entrypoint());
    Map<String, String> files = new java.util.TreeMap<>();
    try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        new java.util.zip.GZIPInputStream(store.open(result.layers().get(4).digest())))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        files.put(e.getName() + " " + Integer.toOctalString(e.getMode() & 07777),
            e.isDirectory() ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    assertEquals(Map.of("app/ 755", "",
        "app/jib-classpath-file 644", "/opt/agent/*:/app/resources:/app/classes:/app/libs/snap-1.0-SNAPSHOT.jar"
            + ":/app/libs/org.example-lib-1.0.jar:/app/libs/com.other-lib-1.0.jar",
        "app/jib-main-class-file 644", "demo.Main"), files);

    // The files are part of the layer cache key: a changed main class rebuilds that layer alone.
    ContainerSettings otherMain = new ContainerSettings("demo.Other", java17.jvmFlags(), null, null, null, null,
        null, null, null, null, null, java17.extraClasspath(), false, inImage, true);
    BuildResult again = build(new JavaImagePlan(baseRef, List.of(),
        ImageReference.parse(registry.hostPort() + "/demo/argfile:1"), List.of(), ImageFormat.OCI, otherMain,
        JavaLayers.of(deps, project.resolve("target/classes"), null, List.of(), otherMain), null, null));
    assertEquals(List.of("jvm arg files"), again.layers().stream().filter(l -> !l.cached())
        .map(LayerOutcome::name).toList());
  }

  @Test
  void modulesOfTheSameBuildGetTheirOwnLayerAfterTheThirdPartyJars() {
    List<JavaLayers.Dependency> deps = List.of(
        new JavaLayers.Dependency(project.resolve("libs/lib-1.0.jar"), "org.example", false),
        new JavaLayers.Dependency(project.resolve("module-1.0-SNAPSHOT.jar"), "org.mine", true, true),
        new JavaLayers.Dependency(project.resolve("libs/snap-1.0-SNAPSHOT.jar"), "org.example", true));
    List<LayerSpec> layers = JavaLayers.of(deps, project.resolve("target/classes"), List.of(), "/app");
    assertEquals(List.of("dependencies", "snapshot dependencies", "project dependencies", "resources", "classes",
        "extra files"), layers.stream().map(LayerSpec::name).toList());
    assertEquals(List.of("/app/libs/module-1.0-SNAPSHOT.jar"),
        layers.get(2).files().stream().map(FileMapping::target).toList());
    assertEquals(List.of("/app/libs/snap-1.0-SNAPSHOT.jar"),
        layers.get(1).files().stream().map(FileMapping::target).toList());
  }

  @Test
  void anExplodedWarGoesUnderTheAppRootSplitAsJibSplitsIt() throws IOException {
    Path war = project.resolve("target/web-1.0");
    Files.createDirectories(war.resolve("WEB-INF/lib"));
    Files.createDirectories(war.resolve("WEB-INF/classes/web"));
    for (String jar : List.of("lib-1.0.jar", "snap-1.0-SNAPSHOT.jar", "module-1.0.jar")) {
      jar(war.resolve("WEB-INF/lib/" + jar), "x.txt");
    }
    Files.write(war.resolve("WEB-INF/classes/web/Hello.class"), new byte[] {1});
    Files.writeString(war.resolve("WEB-INF/classes/app.properties"), "a=b");
    Files.writeString(war.resolve("WEB-INF/web.xml"), "<web-app/>");
    Files.writeString(war.resolve("index.html"), "<p>");
    List<LayerSpec> layers = JavaLayers.ofWar(war, java.util.Set.of("module-1.0.jar"), List.of(),
        JavaLayers.DEFAULT_WAR_APP_ROOT);

    Map<String, List<String>> files = new java.util.LinkedHashMap<>();
    for (LayerSpec layer : layers) {
      files.put(layer.name(), ImageBuilder.entries(layer).stream()
          .filter(e -> e.type() == dev.lading.layer.LayerEntry.Type.FILE).map(e -> e.path()).sorted().toList());
    }
    String root = "/var/lib/jetty/webapps/ROOT";
    assertEquals(List.of(root + "/WEB-INF/lib/lib-1.0.jar"), files.get("dependencies"));
    assertEquals(List.of(root + "/WEB-INF/lib/snap-1.0-SNAPSHOT.jar"), files.get("snapshot dependencies"));
    assertEquals(List.of(root + "/WEB-INF/lib/module-1.0.jar"), files.get("project dependencies"));
    assertEquals(List.of(root + "/WEB-INF/classes/app.properties", root + "/WEB-INF/web.xml", root + "/index.html"),
        files.get("resources"));
    assertEquals(List.of(root + "/WEB-INF/classes/web/Hello.class"), files.get("classes"));
  }

  @Test
  void java8NamesTheLibrariesDirectoryOrEachJarWhenExpanded() {
    ContainerSettings wildcard = new ContainerSettings("demo.Main", null, null, null, null, null, null, null,
        null, null, "/srv/app", List.of(), false, null, false);
    assertEquals(List.of("java", "-cp", "/srv/app/resources:/srv/app/classes:/srv/app/libs/*", "demo.Main"),
        wildcard.defaultEntrypoint("demo.Main"));
    ContainerSettings expanded = new ContainerSettings("demo.Main", null, null, null, null, null, null, null,
        null, null, "/srv/app", List.of(), true, List.of("/srv/app/libs/b.jar", "/srv/app/libs/a.jar"), false);
    assertEquals(List.of("java", "-cp", "/srv/app/classpath/*:/srv/app/libs/b.jar:/srv/app/libs/a.jar",
        "demo.Main"), expanded.defaultEntrypoint("demo.Main"));
  }

  @Test
  void packagedPutsTheProjectJarInItsOwnLayerAndOnTheClassPath() throws IOException {
    Path appJar = project.resolve("target/app-1.0.jar");
    jar(appJar, "demo/Main.class");
    ContainerSettings packaged = new ContainerSettings("demo.Main", List.of(), null, null, null, null, null,
        null, null, null, null, List.of("/opt/agent/*"), true);
    List<LayerSpec> layers = JavaLayers.of(
        List.of(new JavaLayers.Dependency(project.resolve("libs/lib-1.0.jar"), "org.example", false)),
        project.resolve("target/classes"), appJar, List.of(), packaged.appRoot());
    BuildResult result = build(new JavaImagePlan(baseRef, List.of(),
        ImageReference.parse(registry.hostPort() + "/demo/packaged:1"), List.of(), ImageFormat.OCI, packaged,
        layers, null, null));

    assertEquals(List.of("dependencies", "jar"), result.layers().stream().map(LayerOutcome::name).toList());
    ImageConfig config = config(manifest(result.image()));
    assertEquals(List.of("java", "-cp", "/opt/agent/*:/app/classpath/*:/app/libs/*", "demo.Main"),
        config.configOrEmpty().entrypoint());
    LayerOutcome jarLayer = result.layers().get(1);
    List<String> paths = new ArrayList<>();
    try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        new java.util.zip.GZIPInputStream(store.open(jarLayer.digest())))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        paths.add(e.getName());
      }
    }
    assertTrue(paths.contains("app/classpath/app-1.0.jar"), paths.toString());
    assertFalse(paths.stream().anyMatch(p -> p.startsWith("app/classes")), paths.toString());
  }

  @Test
  void extraDirectoryIncludesAndExcludesPickFilesByTheirPathBelowTheDirectory() throws IOException {
    Path extra = Files.createDirectories(tmp.resolve("extra/sub"));
    for (String f : List.of("a.txt", "hidden.txt", "sub/b.txt", "sub/c.sh")) {
      Files.writeString(tmp.resolve("extra").resolve(f), f);
    }
    LayerSpec spec = JavaLayers.of(List.of(), null, List.of(new JavaLayers.ExtraDirectory(extra.getParent(),
        "/opt/extra", Map.of(), List.of("*.txt", "**/*.txt"), List.of("hidden.txt"))), "/app").stream()
        .filter(l -> l.name().equals(JavaLayers.EXTRA_FILES)).findFirst().orElseThrow();
    assertEquals(List.of("/opt/extra/a.txt", "/opt/extra/sub/b.txt"),
        ImageBuilder.entries(spec).stream().map(LayerEntry::path).toList());

    LayerSpec all = JavaLayers.of(List.of(), null, List.of(new JavaLayers.ExtraDirectory(extra.getParent(),
        "/opt/extra", Map.of())), "/app").stream()
        .filter(l -> l.name().equals(JavaLayers.EXTRA_FILES)).findFirst().orElseThrow();
    assertTrue(ImageBuilder.entries(all).stream().map(LayerEntry::path).toList()
        .containsAll(List.of("/opt/extra/hidden.txt", "/opt/extra/sub/c.sh", "/opt/extra/sub")));
  }

  @Test
  void layersFollowJibsRulesForModesEmptyDirectoriesAndParentTimes() throws IOException {
    // An executable extra file, an empty directory in the extra files and in the resources.
    Path run = project.resolve("src/main/jib/opt/tool/run.sh");
    Files.setPosixFilePermissions(run, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(project.resolve("src/main/jib/var/empty"));
    Files.createDirectories(project.resolve("target/classes/META-INF/empty"));
    ContainerSettings c = ContainerSettings.ofMainClass("demo.Main");
    List<LayerSpec> specs = JavaLayers.of(List.of(), project.resolve("target/classes"), null,
        List.of(new JavaLayers.ExtraDirectory(project.resolve("src/main/jib"), "/", Map.of())), c);
    java.time.Instant files = java.time.Instant.parse("2024-01-01T00:00:00Z");
    BuildResult result = build(new JavaImagePlan(baseRef, List.of(),
        ImageReference.parse(registry.hostPort() + "/demo/jibrules:1"), List.of(), ImageFormat.OCI, c, specs,
        null, files));
    Map<String, String> entries = new java.util.TreeMap<>();
    for (LayerOutcome layer : result.layers()) {
      try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
          new java.util.zip.GZIPInputStream(store.open(layer.digest())))) {
        for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          entries.put(layer.name() + " " + e.getName(), Integer.toOctalString(e.getMode() & 07777) + " "
              + e.getLastModifiedDate().toInstant().getEpochSecond());
        }
      }
    }
    long set = files.getEpochSecond();
    assertEquals("644 " + set, entries.get("extra files opt/tool/run.sh"), entries.toString());
    assertEquals("755 " + set, entries.get("extra files var/empty/"), entries.toString());
    assertEquals("755 " + set, entries.get("resources app/resources/META-INF/empty/"), entries.toString());
    // Directories are in both layers made from the build output, as in Jib; the roots are implicit.
    assertEquals("755 " + set, entries.get("classes app/classes/demo/"), entries.toString());
    assertEquals("755 1", entries.get("classes app/classes/"), entries.toString());
    assertEquals("755 1", entries.get("classes app/"), entries.toString());
    assertEquals("644 1", entries.get("jvm arg files app/jib-classpath-file"), entries.toString());
    assertEquals("644 1", entries.get("jvm arg files app/jib-main-class-file"), entries.toString());
  }

  @Test
  void aConfiguredMainClassIsLookedForInTheClassesThenTheJars() throws IOException {
    Path classes = project.resolve("target/classes");
    List<Path> jars = List.of(project.resolve("libs/lib-1.0.jar"), project.resolve("libs/snap-1.0-SNAPSHOT.jar"));
    assertTrue(MainClassFinder.isOnClassPath("demo.Main", classes, jars));
    jar(project.resolve("libs/launcher.jar"), "org/launch/Launcher.class");
    assertTrue(MainClassFinder.isOnClassPath("org.launch.Launcher", classes,
        List.of(jars.get(0), project.resolve("libs/launcher.jar"))));
    assertFalse(MainClassFinder.isOnClassPath("demo.Mian", classes, jars));
    assertFalse(MainClassFinder.isOnClassPath("org.launch.Launcher", classes, jars));
  }
}
