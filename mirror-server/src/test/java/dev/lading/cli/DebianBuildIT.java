package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's promise, as a locked-down CI user meets it: {@code RUN apt-get install} built by
 * {@code nobody} (home {@code /nonexistent}) on Debian 11, 12 and 13 bases (glibc older than,
 * equal to and newer than the host's), and a RUN on a static busybox base. Bases are made by
 * tools/make-base-image.sh with debootstrap from Debian's archive and cached between runs.
 */
class DebianBuildIT {
  @TempDir static Path shared;
  private static Path jar;

  @BeforeAll
  static void copyTheJar() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("debootstrap", "debootstrap");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("proot", "proot");
    RequiredTool.require("busybox", "busybox-static");
    jar = AsNobody.jar(shared);
  }

  /** The base image's layout reference, made (as root) or taken from a cache kept between runs. */
  private static String base(String variant) throws IOException {
    return AsNobody.baseImage(variant, Path.of(System.getProperty("java.io.tmpdir"), "lading-it-bases"));
  }

  private static Processes.Result lading(String store, String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve(store + "-store")), List.of(), args);
  }

  private static Path context(String name, String dockerfile) throws IOException {
    Path dir = Files.createDirectories(shared.resolve(name));
    Files.writeString(dir.resolve("Dockerfile"), dockerfile);
    Processes.check(List.of("chmod", "-R", "a+rX", dir.toString()), 60);
    return dir;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"bookworm, fakechroot (image and host", "bullseye, proot with the image's own libfakeroot",
      "trixie, proot with the host's libfakeroot"})
  void aptGetInstallWorksAsNobody(String suite, String executor) throws IOException {
    Path ctx = context(suite, "FROM " + base(suite) + "\n"
        + "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        + "    && rm -rf /var/lib/apt/lists/*\n"
        + "RUN useradd -m app && mkdir /srv/data && chown app:app /srv/data\n"
        // A program finds itself as in a container (java finds its libraries so, node its path).
        + "RUN echo \"exe: $(readlink /proc/self/exe)\"\n"
        + "USER app\n"
        + "CMD [\"curl\", \"--version\"]\n");
    Processes.Result build = lading(suite, "build", "-t", suite + ":curl", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("executor: " + executor), build.output());
    assertTrue(build.output().lines().anyMatch(l -> l.matches("  exe: (/usr)?/bin/readlink")), build.output());

    Processes.Result curl = lading(suite, "run", "-q", "store:" + suite + ":curl");
    assertEquals(0, curl.exitCode(), curl.output());
    assertTrue(curl.output().startsWith("curl "), curl.output());
    // What the image holds, read from its layers: fakeroot records chown (the host's for Debian 12,
    // Debian 11's own for the older glibc under proot, the host's for the newer under proot).
    List<java.util.TreeMap<String, String>> layers = LayerListing.layers(shared.resolve(suite + "-store"),
        "docker.io/library/" + suite + ":curl");
    java.util.TreeMap<String, String> useradd = layers.get(layers.size() - 2);
    String data = useradd.get("srv/data/");
    assertTrue(data != null && data.startsWith("d 755 "), "the useradd step's layer: " + useradd);
    Processes.Result owners = lading(suite, "run", "-q", "store:" + suite + ":curl", "--", "sh", "-c",
        "id -un; stat -c '%U %G' /srv/data");
    assertEquals("app\napp app", owners.output().strip(), owners.output());
    assertTrue(data.startsWith("d 755 1000:1000"), data);
  }

  @Test
  void aNewerGlibcsProgramsSeeTheImagesFilesUnderProot() throws IOException {
    // glibc 2.41's ls and stat use statx, test -r faccessat2, tar's mode changes fchmodat2: calls
    // Debian 12's proot does not translate, which fail with ENOSYS (SyscallFilter) so that glibc
    // falls back to calls it does. Unfiltered, each of these names the host's file or misses.
    Path ctx = context("trixie-files", "FROM " + base("trixie") + "\n"
        + "RUN mkdir -p /only-here/d && echo image > /only-here/d/f && chmod 750 /only-here/d \\\n"
        + "    && ls -l /only-here/d/f && stat -c '%n %a' /only-here/d \\\n"
        + "    && [ -r /only-here/d/f ] && [ -x /only-here/d ] \\\n"
        + "    && tar -C /only-here -cf /tmp/t.tar d && mkdir /copy && tar -C /copy -xpf /tmp/t.tar \\\n"
        + "    && stat -c '%n %a' /copy/d && rm /tmp/t.tar \\\n"
        + "    && test \"$(stat -c %s /etc/debian_version)\" = \"$(wc -c < /etc/debian_version)\"\n");
    Processes.Result build = lading("trixie-files", "build", "-t", "trixie:files", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("executor: proot with the host's libfakeroot (image: glibc 2."), build.output());
    assertFalse(build.output().contains("may see the host's files"), build.output());
    assertTrue(build.output().contains("  /only-here/d 750"), build.output());
    assertTrue(build.output().contains("  /copy/d 750"), build.output());
    Processes.Result run = lading("trixie-files", "run", "-q", "store:trixie:files", "--", "sh", "-c",
        "cat /etc/debian_version; ls /only-here/d; stat -c %s /copy/d/f");
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().startsWith("13."), run.output());
    assertTrue(run.output().endsWith("f\n6\n"), run.output());
  }

  @Test
  void aptsCacheMountsKeepTheDownloadsForTheNextBuildAndOutOfTheLayer() throws IOException {
    // BuildKit's usual pattern for apt; the base keeps the .debs (no docker-clean hook).
    Path ctx = context("apt-cache", "FROM " + base("bookworm") + "\n"
        + "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n"
        + "    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\\n"
        + "    echo \"cached debs: $(ls /var/cache/apt/archives | grep -c deb)\" \\\n"
        + "    && apt-get update && apt-get install -y --no-install-recommends curl\n");
    Processes.Result first = lading("apt-cache", "build", "-t", "apt:1", ctx.toString());
    assertEquals(0, first.exitCode(), first.output());
    assertTrue(first.output().contains("  cached debs: 0"), first.output());
    Processes.Result second = lading("apt-cache", "build", "--no-cache", "-t", "apt:1", ctx.toString());
    assertEquals(0, second.exitCode(), second.output());
    assertFalse(second.output().contains("  cached debs: 0"), "the first build's downloads: " + second.output());
    List<java.util.TreeMap<String, String>> layers = LayerListing.layers(
        shared.resolve("apt-cache-store"), "docker.io/library/apt:1");
    java.util.TreeMap<String, String> run = layers.get(layers.size() - 1);
    assertTrue(run.containsKey("usr/bin/curl"), run.keySet().toString());
    for (String path : run.keySet()) {
      assertFalse(path.startsWith("var/cache/apt/") || path.startsWith("var/lib/apt/lists/"),
          "a cache mount's file in the layer: " + path);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"fakechroot", "proot"})
  void aRunWithoutTheNetworkCannotConnectWhereTheOthersCan(String executor) throws IOException {
    // RUN --network=none, as BuildKit has it; the port is the test's own, on the loopback.
    try (java.net.ServerSocket listening = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      String connect = "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + listening.getLocalPort() + "'";
      Path ctx = context("network-" + executor, "FROM " + base("bookworm") + "\n"
          + "RUN " + connect + " && echo connected\n"
          + "RUN --network=none " + connect + " 2>&1 || echo \"offline, exit $?\"\n"
          + "RUN --network=none getent hosts deb.debian.org || echo \"no name, exit $?\"\n");
      Processes.Result build = lading("network", "build", "--executor", executor, "-t", "net:" + executor,
          ctx.toString());
      assertEquals(0, build.exitCode(), build.output());
      assertTrue(build.output().contains("  connected"), build.output());
      assertTrue(build.output().contains("socket: Network is unreachable"), build.output());
      assertTrue(build.output().contains("offline, exit 1"), build.output());
      assertTrue(build.output().contains("no name, exit 2"), build.output());

      // docker build --network=none: every step as if its RUN said so, the first one too.
      Processes.Result none = lading("network", "build", "--executor", executor, "--network", "none",
          ctx.toString());
      assertEquals(1, none.exitCode(), none.output());
      assertTrue(none.output().contains("line 2: RUN " + connect + " && echo connected failed with exit code 1"),
          none.output());
      assertTrue(none.output().contains("socket: Network is unreachable"), none.output());
      // lading run --network none: the same for a smoke test of the image.
      Processes.Result offline = lading("network", "run", "--executor", executor, "--network", "none",
          "store:net:" + executor, "--", "bash", "-c", connect.substring("bash -c '".length(), connect.length() - 1));
      assertEquals(1, offline.exitCode(), offline.output());
      assertTrue(offline.output().contains("socket: Network is unreachable"), offline.output());
      Processes.Result online = lading("network", "run", "--executor", executor, "store:net:" + executor, "--",
          "bash", "-c", connect.substring("bash -c '".length(), connect.length() - 1) + " && echo connected");
      assertEquals(0, online.exitCode(), online.output());
      assertTrue(online.output().contains("connected"), online.output());
      Processes.Result bogus = lading("network", "build", "--network", "bridge", ctx.toString());
      assertEquals(1, bogus.exitCode(), bogus.output());
      assertTrue(bogus.output().contains("--network=bridge is not a network mode; use default, none or host"),
          bogus.output());
    }
  }

  @Test
  void aStaticBusyboxBaseRunsThroughProot() throws IOException {
    Path ctx = context("busybox", "FROM " + base("busybox") + "\n"
        + "RUN echo hi > /hello && mkdir -p /opt/x\n"
        + "CMD [\"cat\", \"/hello\"]\n");
    Processes.Result build = lading("busybox", "build", "-t", "bb:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("executor: proot (the image has no C library"), build.output());
    Processes.Result run = lading("busybox", "run", "-q", "store:bb:1");
    assertEquals("hi", run.output().strip(), run.output());
  }

  @Test
  void aMuslProgramsChownsUnderProotReachTheLayer() throws IOException {
    // Alpine's programs are musl's, into which no libfakeroot here loads: the owner log records
    // their chowns (each call it interposes), by inode, so a file renamed after its chown keeps it.
    RequiredTool.require("musl-gcc", "musl-tools");
    Path ctx = Files.createDirectories(shared.resolve("musl"));
    Processes.check(List.of("musl-gcc", "-O2", "-o", ctx.resolve("chown-calls").toString(),
        Path.of("src/test/resources/owner-log/chown-calls.c").toAbsolutePath().toString()), 120);
    Files.copy(Path.of("/lib/ld-musl-" + System.getProperty("os.arch").replace("amd64", "x86_64") + ".so.1"),
        ctx.resolve("ld-musl.so.1"));
    ctx = context("musl", "FROM " + base("busybox") + "\n"
        + "COPY ld-musl.so.1 /lib/ld-musl-x86_64.so.1\n"
        + "COPY chown-calls /bin/chown-calls\n"
        + "RUN mkdir -p /data/sub && echo x > /data/tmp && ln -s tmp /data/link && touch /data/by-fd /data/at \\\n"
        + "    && chown-calls chown 1000 1001 /data && chown-calls chown 1000 1001 /data/tmp \\\n"
        + "    && chown-calls lchown 7 8 /data/link && chown-calls chown -1 9 /data/sub \\\n"
        + "    && chown-calls fchown 11 12 /data/by-fd && chown-calls fchownat 13 14 /data/at \\\n"
        + "    && mv /data/tmp /data/kept && touch /data/new\n");
    Processes.Result build = lading("musl", "build", "-t", "musl:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("chown is recorded for the image's dynamically linked programs"),
        build.output());
    List<java.util.TreeMap<String, String>> layers = LayerListing.layers(shared.resolve("musl-store"),
        "docker.io/library/musl:1");
    java.util.TreeMap<String, String> run = layers.get(layers.size() - 1);
    assertEquals("d 755 1000:1001", run.get("data/"), run.toString());
    assertEquals("f 644 1000:1001", run.get("data/kept"), run.toString());
    assertEquals("l 777 7:8 -> tmp", run.get("data/link"), run.toString());
    assertEquals("d 755 0:9", run.get("data/sub/"), run.toString());
    assertEquals("f 644 11:12", run.get("data/by-fd"), run.toString());
    assertEquals("f 644 13:14", run.get("data/at"), run.toString());
    assertEquals("f 644 0:0", run.get("data/new"), run.toString());
    assertFalse(run.keySet().stream().anyMatch(p -> p.startsWith(".lading")), run.toString());
  }

  @Test
  void aJavaProjectBuiltByMavenInARunStepRunsAsItsOwnUser() throws IOException {
    // The Java team's usual Dockerfile: a JDK and Maven from the distribution, the build in a RUN
    // step with ~/.m2 in a cache mount (Maven Central from inside the step), the jar copied into a
    // later stage owned by a user made there with useradd, and run as that user.
    Path ctx = context("maven", "FROM " + base("bookworm") + " AS jdk\n"
        + "RUN apt-get update && apt-get install -y --no-install-recommends maven openjdk-17-jdk-headless \\\n"
        + "    && rm -rf /var/lib/apt/lists/*\n"
        + "FROM jdk AS build\n"
        + "COPY cacerts /etc/host-cacerts\n"
        + "ENV MAVEN_OPTS=-Djavax.net.ssl.trustStore=/etc/host-cacerts\n"
        + "WORKDIR /src\n"
        + "COPY pom.xml .\n"
        + "COPY src src\n"
        + "RUN --mount=type=cache,target=/root/.m2 mvn -B -q -ntp package -DskipTests\n"
        + "FROM jdk\n"
        + "RUN useradd -r -u 1001 app\n"
        + "COPY --from=build --chown=app /src/target/hello.jar /app/hello.jar\n"
        + "USER app\n"
        + "ENTRYPOINT [\"java\", \"-jar\", \"/app/hello.jar\"]\n");
    Files.writeString(ctx.resolve("pom.xml"), """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>demo</groupId>
          <artifactId>hello</artifactId>
          <version>1</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
          </properties>
          <build>
            <finalName>hello</finalName>
            <plugins>
              <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
              <plugin><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version><configuration>
                <archive><manifest><mainClass>demo.Hello</mainClass></manifest></archive></configuration></plugin>
            </plugins>
          </build>
        </project>
        """);
    // A network that intercepts TLS (this one may) has a CA the image's own bundle lacks: the build
    // stage trusts what this JVM trusts, as a user behind such a proxy does.
    Files.copy(Path.of(System.getProperty("java.home"), "lib/security/cacerts"), ctx.resolve("cacerts"));
    Path source = Files.createDirectories(ctx.resolve("src/main/java/demo")).resolve("Hello.java");
    Files.writeString(source, "package demo;\n"
        + "public class Hello {\n"
        + "  public static void main(String[] a) {\n"
        + "    System.out.println(\"hello from \" + System.getProperty(\"user.name\") + \" on Java \"\n"
        + "        + Runtime.version().feature());\n"
        + "  }\n"
        + "}\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);

    Processes.Result build = lading("maven", "build", "-t", "hello:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    Processes.Result run = lading("maven", "run", "-q", "store:hello:1");
    assertEquals(0, run.exitCode(), run.output());
    assertEquals("hello from app on Java 17", run.output().strip(), run.output());
    List<java.util.TreeMap<String, String>> layers = LayerListing.layers(shared.resolve("maven-store"),
        "docker.io/library/hello:1");
    String jarEntry = layers.get(layers.size() - 1).get("app/hello.jar");
    assertTrue(jarEntry != null && jarEntry.startsWith("f 644 1001:"), "the COPY layer: " + layers.get(
        layers.size() - 1));
    for (java.util.TreeMap<String, String> layer : layers) {
      assertFalse(layer.keySet().stream().anyMatch(path -> path.startsWith("root/.m2/")),
          "the cache mount's files in a layer");
    }
  }
}
