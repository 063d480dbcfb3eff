package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CI-cache job end to end, as a pipeline plays it on two fresh machines: job 1 seeds a store from
 * the registry, builds and pushes, and the cache action tars the store; job 2 (another user, another
 * path) restores the tar and builds offline with the registry down, then pushes once it is back
 * without uploading a base layer. And the size cap: ten builds of a changing app, two at a time on one
 * store, each capping the store after it builds while the other is still building.
 */
class CiCachePipelineIT {
  private static LocalRegistry registry;
  private static NobodyMaven nobody;
  private static NestedMaven root;
  private static Path rootSettings;

  @BeforeAll
  static void setUp() throws IOException {
    nobody = NobodyMaven.prepare("ci-cache-nobody");
    root = new NestedMaven("ci-cache");
    rootSettings = root.settings("settings.xml", "");
    registry = LocalRegistry.startWithAccessLog();
    NestedMaven.pushBaseImage(registry.hostPort());
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (nobody != null) {
      nobody.cleanUp();
    }
  }

  private static String reg() {
    return registry.hostPort();
  }

  @Test
  void aCachedStoreBuildsOfflineOnAnotherMachineAndItsPushUploadsNoBaseLayer() throws IOException {
    // Job 1, as root: seed, build, push; then the cache action saves the store.
    Path job1 = root.copyProject("hello", "job-1");
    Path store1 = root.work().resolve("job-1-cache/lading");
    String seeded = root.mvnOk(rootSettings, job1, reg(), "image:seed", "-Dimage.store=" + store1)
        .output();
    assertTrue(seeded.contains("2 fetched now"), seeded);
    root.mvnOk(rootSettings, job1, reg(), "package", "image:build", "image:push",
        "-Dimage.store=" + store1);
    String digest = Files.readString(job1.resolve("target/image.digest")).trim();
    // The cache service hands job 2 the file (in nobody's reach: root's work folder may not be).
    Path cache = nobody.work().resolve("cache.tgz");
    Processes.check(List.of("tar", "-C", store1.toString(), "-czf", cache.toString(), "."), 300);
    NobodyMaven.chown(cache);
    registry.stop();
    try {
      // Job 2, as nobody on a "fresh machine": the cache restored at another path, registry down.
      Path job2 = nobody.copyProject("hello", "job-2");
      Path store2 = nobody.work().resolve("restored-cache/store");
      Files.createDirectories(store2);
      NobodyMaven.chown(store2.getParent());
      Processes.Result restored = nobody.run(List.of("tar", "-C", store2.toString(), "-xzf",
          cache.toString()), 300);
      assertEquals(0, restored.exitCode(), restored.output());
      String target = reg() + "/demo/hello-ci:2";
      Processes.Result offline = nobody.mvn(job2, reg(), "-o", "package", "image:build",
          "image:export", "-Dimage.store=" + store2, "-Dimage=" + target);
      assertEquals(0, offline.exitCode(), offline.output());
      assertEquals(digest, Files.readString(job2.resolve("target/image.digest")).trim(),
          "the same project gives the same image on the other machine, from the cache alone");
      assertTrue(Files.size(job2.resolve("target/image.tar")) > 1 << 20, "exported with base layers");

      // The registry is back: the push to a new repository uploads the app, never the base.
      registry.restart();
      int logBefore = registry.log().length();
      Processes.Result push = nobody.mvn(job2, reg(), "image:push", "-Dimage.store=" + store2,
          "-Dimage=" + target);
      assertEquals(0, push.exitCode(), push.output());
      String requests = registry.log().substring(logBefore);
      JsonNode base = Skopeo.json("inspect", "--raw", "--tls-verify=false",
          "docker://" + reg() + "/library/jre:17");
      for (JsonNode layer : base.get("layers")) {
        String d = layer.get("digest").asText();
        for (String line : requests.lines().toList()) {
          assertFalse(line.contains("\"PUT ") && line.contains(d),
              "base layer " + d + " was uploaded again: " + line);
        }
      }
      assertTrue(requests.contains("\"PUT /v2/demo/hello-ci/manifests/2"), requests);
      assertEquals(digest, Skopeo.json("inspect", "--tls-verify=false", "docker://" + target)
          .get("Digest").asText());
    } finally {
      if (!registry.isRunning()) {
        registry.restart();
      }
    }
  }

  @Test
  void theSizeCapHoldsAcrossTenBuildsRunningTwoAtATime() throws Exception {
    Path store = root.work().resolve("capped-store");
    long cap = 6L << 20;
    List<Path> projects = List.of(root.copyProject("hello", "capped-a"),
        root.copyProject("hello", "capped-b"));
    Random random = new Random(11);
    List<String> built = new ArrayList<>();
    for (int round = 1; round <= 5; round++) {
      if (Files.isDirectory(store)) {
        // The earlier builds were earlier CI jobs, an hour apart: past gc's grace for recent use.
        hourEarlier(store);
      }
      List<CompletableFuture<Processes.Result>> running = new ArrayList<>();
      for (Path project : projects) {
        // A changed app: 1 MiB of new incompressible resources each build.
        byte[] data = new byte[1 << 20];
        random.nextBytes(data);
        Files.write(project.resolve("src/main/resources/data.bin"), data);
        String image = reg() + "/demo/" + project.getFileName() + ":" + round;
        built.add(image);
        running.add(CompletableFuture.supplyAsync(() -> {
          try {
            return root.mvn(rootSettings, project, reg(), "package", "image:build",
                "-Dimage.store=" + store, "-Dimage.storeMaxSize=6m", "-Dimage=" + image);
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        }));
      }
      for (CompletableFuture<Processes.Result> build : running) {
        Processes.Result r = build.get();
        assertEquals(0, r.exitCode(), r.output());
      }
      long size = sizeOf(store);
      assertTrue(size <= cap, "round " + round + ": the store holds " + size
          + " bytes, over the cap of " + cap);
    }
    String index = Files.readString(store.resolve("index.json"));
    for (String image : built.subList(built.size() - 2, built.size())) {
      assertTrue(index.contains(image), "the newest images stay: " + image + "\n" + index);
    }
    assertFalse(index.contains(built.get(0)), "the oldest image was evicted:\n" + index);
    Processes.Result rebuild = root.mvn(rootSettings, projects.get(0), reg(), "-o", "image:build",
        "-Dimage.store=" + store, "-Dimage=" + built.get(built.size() - 2));
    assertEquals(0, rebuild.exitCode(), "the newest image still rebuilds offline from what is left: "
        + rebuild.output());
    assertTrue(rebuild.output().contains("0 built"), "from the layer cache: " + rebuild.output());
  }

  /** Moves every file's time an hour back, keeping their order (the LRU order gc evicts by). */
  private static void hourEarlier(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis()
            - 3_600_000L));
      }
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      long total = 0;
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        total += Files.size(f);
      }
      return total;
    }
  }
}
