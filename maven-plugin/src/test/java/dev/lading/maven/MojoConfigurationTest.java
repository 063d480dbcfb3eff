package dev.lading.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.build.ContainerSettings;
import dev.lading.build.JavaImagePlan;
import dev.lading.build.JavaLayers;
import dev.lading.build.LayerSpec;
import dev.lading.model.ImageFormat;
import dev.lading.model.Platform;
import dev.lading.registry.Credential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.maven.api.plugin.testing.InjectMojo;
import org.apache.maven.artifact.DefaultArtifact;
import org.apache.maven.artifact.handler.DefaultArtifactHandler;
import org.apache.maven.project.MavenProject;
import org.apache.maven.api.plugin.testing.MojoTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The POM settings, configured by Maven's own configurator from the real plugin descriptor, and what
 * the mojos make of them: the plan handed to the core. A wrong name in plugin.xml, a field the
 * configurator cannot fill or a setting that is dropped on the way shows here.
 */
@MojoTest
class MojoConfigurationTest {
  private static final String FULL = "src/test/resources/unit/full/pom.xml";

  @TempDir
  Path dir;

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void everySettingOfThePomReachesThePlan(BuildMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir, false);
    RealMaven.classes(dir);
    JavaImagePlan plan = mojo.plan();

    assertEquals("registry.example.com/library/jre:17", plan.base().toString());
    assertEquals(List.of(Platform.of("linux", "amd64"), new Platform("arm64", "linux", null, null, "v8")),
        plan.platforms());
    assertEquals("registry.example.com/team/app:1.0", plan.target().toString());
    assertEquals(List.of("latest", "stable"), plan.tags());
    assertEquals(ImageFormat.DOCKER, plan.format());
    assertEquals(Instant.parse("2024-05-01T12:00:00Z"), plan.creationTime());
    assertEquals(Instant.parse("2024-05-01T00:00:00Z"), plan.filesModificationTime());
    ContainerSettings c = plan.container();
    assertEquals("demo.Main", c.mainClass());
    assertEquals(List.of("-Xmx256m", "-Dmode=prod"), c.jvmFlags());
    assertEquals(List.of("serve"), c.args());
    assertEquals(Map.of("MODE", "prod", "TZ", "UTC"), c.environment());
    assertEquals(Map.of("team", "core"), c.labels());
    assertEquals(List.of("8080", "9000/udp"), c.ports());
    assertEquals("1000:1000", c.user());
    assertEquals("/srv", c.workingDirectory());
    assertEquals(List.of("/data"), c.volumes());
    assertEquals(List.of("/opt/agent/*"), c.extraClasspath());
    assertEquals(false, c.packaged());
    assertEquals(List.of("java", "-Xmx256m", "-Dmode=prod", "-cp",
        "/opt/agent/*:/app/resources:/app/classes:/app/libs/*", "demo.Main"), c.defaultEntrypoint("demo.Main"));
    assertTrue(plan.layers().stream().anyMatch(l -> l.files().stream()
        .anyMatch(f -> f.source().endsWith("unit/full/extra") && f.target().equals("/opt/extra")
            && f.includes().equals(List.of("*.sh", "**/*.sh")) && f.excludes().equals(List.of("secret.sh")))),
        plan.layers().toString());
    assertTrue(plan.layers().stream().anyMatch(l -> Integer.valueOf(0755).equals(l.permissions().get("/opt/extra/run.sh"))),
        plan.layers().toString());
    assertEquals(List.of("127.0.0.1:5000"), mojo.mirrorHosts());
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void userPropertiesWinOverThePom(BuildMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir, false, "image.from.image=other.example.com/jre:21",
        "image.to.image=other.example.com/app:2.0", "image.to.tags=a, b", "image.from.platforms=linux/arm64",
        "image.container.format=OCI", "image.container.mainClass=other.Main", "image.container.ports=1,2/udp",
        "image.container.creationTime=EPOCH", "image.mirror=mirror.internal:5000",
        "image.container.environment=A=1, B=x=y", "image.container.labels=owner=ops");
    RealMaven.classes(dir);
    JavaImagePlan plan = mojo.plan();
    assertEquals("other.example.com/jre:21", plan.base().toString());
    assertEquals("other.example.com/app:2.0", plan.target().toString());
    assertEquals(List.of("a", "b"), plan.tags());
    assertEquals(List.of(Platform.of("linux", "arm64")), plan.platforms());
    assertEquals(ImageFormat.OCI, plan.format());
    assertEquals("other.Main", plan.container().mainClass());
    assertEquals(List.of("1", "2/udp"), plan.container().ports());
    assertEquals(Instant.EPOCH, plan.creationTime());
    assertEquals(Map.of("A", "1", "B", "x=y"), plan.container().environment());
    assertEquals(Map.of("owner", "ops"), plan.container().labels());
    assertEquals(List.of("127.0.0.1:5000", "mirror.internal:5000"), mojo.mirrorHosts());
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void theProjectsJavaVersionChoosesHowTheClassPathIsWritten(BuildMojo mojo) throws Exception {
    MavenProject project = RealMaven.attach(mojo, dir, false);
    RealMaven.classes(dir);
    java.util.Set<org.apache.maven.artifact.Artifact> artifacts = new java.util.LinkedHashSet<>();
    for (String name : List.of("zeta", "alpha")) {
      DefaultArtifactHandler jar = new DefaultArtifactHandler("jar");
      jar.setAddedToClasspath(true);
      DefaultArtifact a = new DefaultArtifact("org.example", name, "1.0", "runtime", "jar", null, jar);
      a.setFile(Files.write(dir.resolve(name + "-1.0.jar"), new byte[0]).toFile());
      artifacts.add(a);
    }
    project.setArtifacts(artifacts);

    // No version set: the compiler plugin's default, Java 8, and Jib's /app/libs/*.
    assertEquals(8, mojo.majorJavaVersion());
    assertEquals("/opt/agent/*:/app/resources:/app/classes:/app/libs/*", mojo.plan().container().defaultEntrypoint(
        "demo.Main").get(4));
    // Java 8 with expandClasspathDependencies: each jar, in Maven's order, on the command line.
    mojo.container.expandClasspathDependencies = true;
    assertEquals("/opt/agent/*:/app/resources:/app/classes:/app/libs/zeta-1.0.jar:/app/libs/alpha-1.0.jar",
        mojo.plan().container().defaultEntrypoint("demo.Main").get(4));
    mojo.container.expandClasspathDependencies = false;

    project.getProperties().setProperty("maven.compiler.target", "1.8");
    assertEquals(8, mojo.majorJavaVersion());
    project.getProperties().setProperty("maven.compiler.release", "17");
    assertEquals(17, mojo.majorJavaVersion());
    JavaImagePlan plan = mojo.plan();
    assertEquals(List.of("java", "-Xmx256m", "-Dmode=prod", "-cp", "@/app/jib-classpath-file", "demo.Main"),
        plan.container().defaultEntrypoint("demo.Main"));
    assertEquals(List.of("/opt/agent/*", "/app/resources", "/app/classes", "/app/libs/zeta-1.0.jar",
        "/app/libs/alpha-1.0.jar"), plan.container().classpath());
    LayerSpec argFiles = plan.layers().stream().filter(l -> l.name().equals(JavaLayers.JVM_ARG_FILES))
        .findFirst().orElseThrow();
    assertEquals(List.of("/app/jib-classpath-file", "/app/jib-main-class-file"),
        argFiles.generated().stream().map(e -> e.path()).toList());
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void jibsShortFormsWork(BuildMojo mojo) throws Exception {
    // mvn ... -Dimage=... names the target, as `mvn jib:build -Dimage=...` does (and wins over the rest).
    MavenProject project = RealMaven.attach(mojo, dir, false, "image=short.example.com/app:3",
        "image.to.image=long.example.com/app:2");
    RealMaven.classes(dir);
    assertEquals("short.example.com/app:3", mojo.plan().target().toString());

    // Without <mainClass>, the jar plugin's <archive><manifest><mainClass> names it, as Jib reads it.
    mojo.container.mainClass = null;
    org.apache.maven.model.Plugin jar = new org.apache.maven.model.Plugin();
    jar.setGroupId("org.apache.maven.plugins");
    jar.setArtifactId("maven-jar-plugin");
    jar.setConfiguration(org.codehaus.plexus.util.xml.Xpp3DomBuilder.build(new java.io.StringReader(
        "<configuration><archive><manifest><mainClass>demo.FromJarPlugin</mainClass></manifest></archive>"
            + "</configuration>")));
    project.getBuild().addPlugin(jar);
    project.getBuild().flushPluginMap();
    assertEquals("demo.FromJarPlugin", mojo.plan().container().mainClass());
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void jibPropertiesOfThePomAndTheCommandLineAreRead(BuildMojo mojo) throws Exception {
    MavenProject project = RealMaven.attach(mojo, dir, false, "jib.to.image=cli.example.com/app:9",
        "jib.container.jvmFlags=-Dlist=a\\,b,-Xss1m");
    project.getProperties().setProperty("jib.container.appRoot", "/srv/app");
    project.getProperties().setProperty("jib.to.image", "pom.example.com/app:1");
    project.getProperties().setProperty("jib.container.filesModificationTime", "2024-01-01T00:00:00Z");
    RealMaven.classes(dir);
    JavaImagePlan plan = mojo.plan();
    assertEquals("cli.example.com/app:9", plan.target().toString());
    assertEquals("/srv/app", plan.container().appRoot());
    assertEquals(List.of("-Dlist=a,b", "-Xss1m"), plan.container().jvmFlags());
    assertEquals(Instant.parse("2024-01-01T00:00:00Z"), plan.filesModificationTime());
    // The class path and the command agree on the app root.
    assertTrue(plan.container().defaultEntrypoint("demo.Main").get(4).startsWith("/opt/agent/*:/srv/app/resources"),
        plan.container().defaultEntrypoint("demo.Main").toString());
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void anInheritedEntrypointStillGetsBothJibFiles(BuildMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir, false);
    RealMaven.classes(dir);
    mojo.container.entrypoint = List.of("INHERIT");
    mojo.container.mainClass = null;
    mojo.container.jvmFlags = List.of();
    mojo.container.extraClasspath = List.of();
    JavaImagePlan plan = mojo.plan();
    LayerSpec argFiles = plan.layers().stream().filter(l -> l.name().equals(JavaLayers.JVM_ARG_FILES))
        .findFirst().orElseThrow();
    assertEquals(List.of("/app/jib-classpath-file", "/app/jib-main-class-file"),
        argFiles.generated().stream().map(e -> e.path()).toList());
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void aWarProjectIsTheExplodedWarRunByTheBaseImage(BuildMojo mojo) throws Exception {
    MavenProject project = RealMaven.attach(mojo, dir, false);
    RealMaven.classes(dir);
    project.setPackaging("war");
    IllegalStateException notPackaged = assertThrows(IllegalStateException.class, mojo::plan);
    assertTrue(notPackaged.getMessage().contains("no exploded WAR at " + dir.resolve("target/app-1.0"))
        && notPackaged.getMessage().contains("mvn package image:build"), notPackaged.getMessage());

    Files.createDirectories(dir.resolve("target/app-1.0/WEB-INF/classes"));
    mojo.container.entrypoint = null;
    JavaImagePlan plan = mojo.plan();
    assertTrue(plan.container().inheritsEntrypoint(), plan.container().toString());
    assertEquals(JavaLayers.DEFAULT_WAR_APP_ROOT, plan.container().appRoot());
    assertEquals(List.of("dependencies", "snapshot dependencies", "project dependencies", "resources", "classes",
        "extra files"), plan.layers().stream().map(LayerSpec::name).toList());
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void aModuleNotYetPackagedIsNamedWithWhatToRun(BuildMojo mojo) throws Exception {
    MavenProject project = RealMaven.attach(mojo, dir, false);
    RealMaven.classes(dir);
    DefaultArtifactHandler jar = new DefaultArtifactHandler("jar");
    jar.setAddedToClasspath(true);
    DefaultArtifact module = new DefaultArtifact("test", "lib", "1.0", "compile", "jar", null, jar);
    module.setFile(Files.createDirectories(dir.resolve("lib/target/classes")).toFile());
    project.setArtifacts(java.util.Set.of(module));
    String message = assertThrows(IllegalStateException.class, mojo::plan).getMessage();
    assertTrue(message.contains("dependency lib is a module of this build that has not been packaged")
        && message.contains("mvn package image:build"), message);
  }

  @Test
  @InjectMojo(goal = "build", pom = "src/test/resources/unit/credhelper/pom.xml")
  void credHelperTakesBothOfJibsForms(BuildMojo mojo) throws Exception {
    assertEquals("ecr-login", mojo.to.credHelper.helper);
    assertEquals("env-test", mojo.from.credHelper.helper);
    assertEquals(Map.of("AWS_PROFILE", "ci-profile"), mojo.from.credHelper.environment);

    // The helper runs with that environment (here a script given by path on the command line).
    Path helper = dir.resolve("docker-credential-env-test");
    Files.writeString(helper, "#!/bin/sh\nread -r server\n"
        + "printf '{\"Username\":\"%s\",\"Secret\":\"s\"}' \"$AWS_PROFILE\"\n");
    Files.setPosixFilePermissions(helper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    RealMaven.attach(mojo, dir, false, "image.from.credHelper=" + helper);
    assertEquals(Optional.of(new Credential("ci-profile", "s")), mojo.credentials().credentialsFor("base.example.com"));
  }

  /** The message of the IllegalArgumentException that {@code plan()} throws with this user property. */
  private String planFailure(BuildMojo mojo, String userProperty) throws Exception {
    RealMaven.attach(mojo, dir, false, userProperty);
    return assertThrows(IllegalArgumentException.class, mojo::plan).getMessage();
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void badValuesSayWhatIsExpected(BuildMojo mojo) throws Exception {
    RealMaven.classes(dir);
    String time = planFailure(mojo, "image.container.creationTime=yesterday");
    assertTrue(time.contains("'yesterday'") && time.contains("USE_CURRENT_TIMESTAMP") && time.contains("ISO-8601"),
        time);
    String ref = planFailure(mojo, "image.to.image=Not A Reference");
    assertTrue(ref.startsWith("to.image: "), ref);
    String platform = planFailure(mojo, "image.from.platforms=linux");
    assertTrue(platform.contains("'linux'"), platform);
    String format = planFailure(mojo, "image.container.format=tarball");
    assertTrue(format.contains("tarball"), format);
    String env = planFailure(mojo, "image.container.environment=MODE");
    assertTrue(env.contains("'MODE' is not KEY=VALUE"), env);

    RealMaven.attach(mojo, dir, false, "image.mirror=http://mirror.internal:5000/v2/");
    String mirror = assertThrows(IllegalArgumentException.class, mojo::mirrorHosts).getMessage();
    assertTrue(mirror.contains("must be a registry host"), mirror);
  }

  @Test
  @InjectMojo(goal = "build", pom = "src/test/resources/unit/from-dockerfile/pom.xml")
  void aDockerfileBaseHasAStoreNameOfItsOwnAndExcludesAnImage(BuildMojo mojo) throws Exception {
    RealMaven.classes(dir);
    // The POM's path, made absolute by Maven against the test POM's directory, which has no Dockerfile.
    RealMaven.attach(mojo, dir, false);
    String missing = assertThrows(IllegalArgumentException.class, mojo::plan).getMessage();
    assertTrue(missing.startsWith("<from><dockerfile> ") && missing.endsWith("src/main/docker/Dockerfile does not exist"),
        missing);

    Files.createDirectories(dir.resolve("src/main/docker"));
    Files.writeString(dir.resolve("src/main/docker/Dockerfile"), "ARG BASE\nFROM $BASE\nRUN true\n");
    // The property's relative path is the project's.
    RealMaven.attach(mojo, dir, false, "image.from.dockerfile=src/main/docker/Dockerfile");
    JavaImagePlan plan = mojo.plan();
    // Named after the target, so each rebuild replaces the same store name; no registry holds it.
    assertEquals("localhost/team/app/base:1.0", plan.base().toString());
    assertEquals("registry.example.com/team/app:1.0", plan.target().toString());

    RealMaven.attach(mojo, dir, false, "image.from.dockerfile=src/main/docker/Dockerfile",
        "image.from.image=registry.example.com/library/jre:17");
    String both = assertThrows(IllegalArgumentException.class, mojo::plan).getMessage();
    assertTrue(both.contains("<from><image> registry.example.com/library/jre:17 and <from><dockerfile> "
        + dir.resolve("src/main/docker/Dockerfile") + " are both set"), both);
  }

  @Test
  @InjectMojo(goal = "build", pom = "src/test/resources/unit/missing-extra/pom.xml")
  void aMissingExtraDirectoryIsNamed(BuildMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir, false);
    RealMaven.classes(dir);
    String message = assertThrows(IllegalArgumentException.class, mojo::plan).getMessage();
    assertTrue(message.contains("unit/no-such-directory") && message.contains("does not exist"), message);
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void theImagesOwnCredentialsComeFirstAndOnlyForItsRegistry(BuildMojo mojo) throws Exception {
    RealMaven.attach(mojo, dir, false);
    assertEquals(Optional.of(new Credential("pusher", "s3cret")), mojo.credentials().credentialsFor("registry.example.com"));
    assertEquals(Optional.empty(), mojo.credentials().credentialsFor("other.example.com"));

    RealMaven.attach(mojo, dir, false, "image.to.auth.username=ci", "image.to.auth.password=token");
    assertEquals(Optional.of(new Credential("ci", "token")), mojo.credentials().credentialsFor("registry.example.com"));

    RealMaven.attach(mojo, dir, false, "image.from.auth.username=half");
    String message = assertThrows(IllegalArgumentException.class, mojo::credentials).getMessage();
    assertTrue(message.contains("from.auth needs both <username> and <password>"), message);
  }

  @Test
  @InjectMojo(goal = "build", pom = FULL)
  void packagedModeNeedsTheJarAndPutsItInItsOwnLayer(BuildMojo mojo) throws Exception {
    RealMaven.classes(dir);
    String unknown = planFailure(mojo, "image.containerizingMode=zip");
    assertTrue(unknown.contains("'zip' is neither exploded nor packaged"), unknown);

    MavenProject project = RealMaven.attach(mojo, dir, false, "image.containerizingMode=packaged");
    String noJar = assertThrows(IllegalStateException.class, mojo::plan).getMessage();
    assertTrue(noJar.contains("mvn package image:build"), noJar);

    Path jar = dir.resolve("target/app-1.0.jar");
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new java.util.zip.ZipEntry("demo/Main.class"));
      out.closeEntry();
    }
    DefaultArtifact artifact = new DefaultArtifact("test", "app", "1.0", "compile", "jar", null,
        new DefaultArtifactHandler("jar"));
    artifact.setFile(jar.toFile());
    project.setArtifact(artifact);
    JavaImagePlan plan = mojo.plan();
    assertTrue(plan.container().packaged());
    assertEquals(List.of(JavaLayers.JAR), plan.layers().stream().map(LayerSpec::name)
        .filter(n -> n.equals(JavaLayers.JAR) || n.equals(JavaLayers.CLASSES) || n.equals(JavaLayers.RESOURCES))
        .toList());
    assertTrue(plan.layers().stream().anyMatch(l -> l.files().stream()
        .anyMatch(f -> f.source().equals(jar) && f.target().equals("/app/classpath/app-1.0.jar"))));
  }
}
