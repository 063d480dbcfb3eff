package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.store.FsckReport;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Maven processes started together on one store (the {@code mvn -T 2C} multi-module case is the
 * invoker IT src/it/multi). Both must succeed and leave the store consistent (fsck clean).
 */
class ConcurrencyIT {
  private static NestedMaven maven;
  private static LocalRegistry registry;
  private static Path settings;

  @BeforeAll
  static void registryWithBaseImage() throws IOException {
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    maven = new NestedMaven("concurrency");
    registry = LocalRegistry.start();
    NestedMaven.pushBaseImage(registry.hostPort());
    settings = maven.settings("settings.xml", "");
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static void assertInRegistry(String repository) throws IOException {
    Processes.check(List.of("skopeo", "inspect", "--tls-verify=false",
        "docker://" + registry.hostPort() + "/" + repository + ":1.0"), 60);
  }

  /**
   * fsck finds the store clean: every blob intact, index.json matching the refs, and nothing absent
   * but the base-image layers a build references without downloading them (lazy, with their origin).
   */
  private static void assertClean(Path storeDir) throws IOException {
    FsckReport report = Store.open(storeDir).fsck();
    assertTrue(report.clean() && !report.indexRepaired() && report.blobsChecked() > 0, report.toString());
    assertFalse(report.lazy().isEmpty(), "base layers stay lazy: " + report);
  }

  @Test
  void twoBuildsStartedTogetherShareOneStore() throws IOException {
    Path store = maven.work().resolve("store-two");
    List<CompletableFuture<Processes.Result>> runs = new java.util.ArrayList<>();
    for (String name : List.of("one", "two")) {
      Path project = maven.copyProject("hello", name);
      runs.add(CompletableFuture.supplyAsync(() -> {
        try {
          return maven.mvn(settings, project, registry.hostPort(), "package", "image:build", "image:push",
              "-Dimage.store=" + store, "-Dimage.to.image=" + registry.hostPort() + "/demo/" + name + ":1.0",
              "-Dimage.to.tags=1");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }));
    }
    for (CompletableFuture<Processes.Result> run : runs) {
      Processes.Result r = run.join();
      assertEquals(0, r.exitCode(), r.output());
    }
    assertInRegistry("demo/one");
    assertInRegistry("demo/two");
    assertClean(store);
  }
}
