package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code RUN --mount=type=cache} with both executors, as root and as {@code nobody}: the cache is
 * seen at its target during the step, kept between steps and builds (also {@code --no-cache} ones
 * and failed ones), never in the step's layer, and the image's own directory at the target stays
 * as it was.
 */
class CacheMountIT {
  @TempDir static Path shared;
  private static Path jar;
  private static String base;

  private static final String DOCKERFILE = "FROM BASE\n"
      + "RUN mkdir -p /var/cache/app && echo from-image > /var/cache/app/keep.txt\n"
      + "RUN --mount=type=cache,target=/var/cache/app,id=app \\\n"
      + "    echo build >> /var/cache/app/log && cp /var/cache/app/log /log-copy \\\n"
      + "    && echo $(ls /var/cache/app) > /listing\n"
      + "WORKDIR /work\n"
      + "RUN --mount=type=cache,target=cache/new,sharing=locked,mode=0700 \\\n"
      + "    echo step > cache/new/f && cat cache/new/f > /second\n"
      + "RUN --mount=type=cache,id=app,target=/elsewhere,sharing=private cat /elsewhere/log > /seen\n";

  @BeforeAll
  static void makeABaseImage() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    RequiredTool.require("proot", "proot");
    jar = AsNobody.jar(shared);
    base = AsNobody.baseImage("minimal", shared.resolve("bases"));
  }

  /** Runs {@code lading ARGS} as nobody (when the tests run as root) or as the test's own user. */
  private static Processes.Result lading(boolean nobody, String store, String... args) throws IOException {
    List<String> env = List.of("LADING_STORE=" + shared.resolve(store));
    if (nobody) {
      return AsNobody.lading(jar, env, List.of(), args);
    }
    List<String> command = new ArrayList<>(List.of("env"));
    command.addAll(env);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString()));
    command.addAll(List.of(args));
    return Processes.run(command, 900);
  }

  private static Path context(String name, String dockerfile) throws IOException {
    Path dir = Files.createDirectories(shared.resolve(name));
    Files.writeString(dir.resolve("Dockerfile"), dockerfile.replace("BASE", base));
    Processes.check(List.of("chmod", "-R", "a+rX", dir.toString()), 60);
    return dir;
  }

  /** The contents of files of the built image, by path, read in one {@code lading run}. */
  private static java.util.Map<String, String> files(boolean nobody, String store, String... paths)
      throws IOException {
    return filesOf(nobody, store, "cached:1", paths);
  }

  private static java.util.Map<String, String> filesOf(boolean nobody, String store, String image,
      String... paths) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "-q", "store:" + image, "--", "sh", "-c",
        "for f in \"$@\"; do echo \"== $f\"; cat \"$f\"; done", "sh"));
    args.addAll(List.of(paths));
    Processes.Result run = lading(nobody, store, args.toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.output());
    java.util.Map<String, String> files = new java.util.TreeMap<>();
    for (String part : ("\n" + run.output()).split("\n== ")) {
      if (!part.isBlank()) {
        int nl = part.indexOf('\n');
        files.put(part.substring(0, nl < 0 ? part.length() : nl), nl < 0 ? "" : part.substring(nl + 1).strip());
      }
    }
    return files;
  }

  private static String cat(boolean nobody, String store, String path) throws IOException {
    return files(nobody, store, path).get(path);
  }

  @ParameterizedTest(name = "{0}, as nobody: {1}")
  @CsvSource({"fakechroot, false", "fakechroot, true", "proot, false", "proot, true"})
  void aCacheIsSeenDuringTheStepKeptBetweenBuildsAndNeverInTheLayer(String executor, boolean nobody)
      throws IOException {
    String store = "store-" + executor + "-" + nobody;
    Path ctx = context("ctx-" + executor + "-" + nobody, DOCKERFILE);
    Processes.Result first = lading(nobody, store, "build", "--executor", executor, "-t", "cached:1",
        ctx.toString());
    assertEquals(0, first.exitCode(), first.output());
    java.util.Map<String, String> files = files(nobody, store, "/log-copy", "/listing", "/second", "/seen",
        "/var/cache/app/keep.txt");
    assertEquals("build", files.get("/log-copy"));
    assertEquals("log", files.get("/listing"), "the step sees the cache, not the image's directory");
    assertEquals("step", files.get("/second"));
    assertEquals("build", files.get("/seen"), "a later step with the same id sees what an earlier wrote");
    assertEquals("from-image", files.get("/var/cache/app/keep.txt"));
    Processes.Result imageDir = lading(nobody, store, "run", "-q", "store:cached:1", "--", "ls", "-A",
        "/var/cache/app", "/work");
    assertEquals("/var/cache/app:\nkeep.txt\n\n/work:", imageDir.output().strip(),
        "the image's directory is as it was; no mount point was left behind");

    List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve(store), "docker.io/library/cached:1");
    assertEquals(5, layers.size(), layers.toString());
    for (int i = 2; i <= 4; i++) {
      for (String path : layers.get(i).keySet()) {
        assertFalse(path.startsWith("var/") || path.startsWith("work/cache") || path.startsWith("elsewhere"),
            "layer " + i + " holds " + path + " of a cache mount: " + layers.get(i));
      }
    }
    assertEquals(List.of("listing", "log-copy"), List.copyOf(layers.get(2).keySet()));

    Processes.Result again = lading(nobody, store, "build", "--executor", executor, "--no-cache", "-t",
        "cached:1", ctx.toString());
    assertEquals(0, again.exitCode(), again.output());
    assertEquals("build\nbuild", cat(nobody, store, "/log-copy"), "the cache outlived the first build");
    Processes.Result cachedRebuild = lading(nobody, store, "build", "--executor", executor, "-t",
        "cached:1", ctx.toString());
    assertTrue(cachedRebuild.output().contains("built 0 layers (4 from the step cache)"),
        "the cache's contents are not part of the step's key: " + cachedRebuild.output());

    Path failing = context("failing-" + executor + "-" + nobody, "FROM BASE\n"
        + "RUN --mount=type=cache,target=/var/cache/app,id=app sh -c 'echo failed >> /var/cache/app/log; exit 3'\n");
    Processes.Result failed = lading(nobody, store, "build", "--executor", executor, failing.toString());
    assertEquals(1, failed.exitCode(), failed.output());
    lading(nobody, store, "build", "--executor", executor, "--no-cache", "-t", "cached:1", ctx.toString());
    assertEquals("build\nbuild\nfailed\nbuild", cat(nobody, store, "/log-copy"),
        "a failed step's cache is kept, with what it wrote");

    Processes.Result gc = lading(nobody, store, "store", "gc", "--grace", "0s");
    assertEquals(0, gc.exitCode(), gc.output());
    Processes.Result afterGc = lading(nobody, store, "build", "--executor", executor, "--no-cache", "-t",
        "cached:1", ctx.toString());
    assertEquals(0, afterGc.exitCode(), afterGc.output());
    assertEquals("build\nbuild\nfailed\nbuild\nbuild", cat(nobody, store, "/log-copy"), "gc keeps the caches");
  }

  @Test
  void twoBuildsSharingOneStoreAtOnceBothReachTheLockedCache() throws Exception {
    String dockerfile = "FROM BASE\nARG WHO\n"
        + "RUN --mount=type=cache,target=/c,sharing=locked sh -c 'echo $WHO >> /c/log; sleep 2; cp /c/log /log'\n";
    Path ctx = context("concurrent", dockerfile);
    List<CompletableFuture<Processes.Result>> builds = new ArrayList<>();
    for (String who : List.of("first", "second")) {
      builds.add(CompletableFuture.supplyAsync(() -> {
        try {
          return lading(true, "store-concurrent", "build", "--executor", "fakechroot", "--build-arg",
              "WHO=" + who, "-t", who + ":1", ctx.toString());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }));
    }
    for (CompletableFuture<Processes.Result> build : builds) {
      assertEquals(0, build.get().exitCode(), build.get().output());
    }
    List<String> logs = new ArrayList<>();
    for (String who : List.of("first", "second")) {
      Processes.Result run = lading(true, "store-concurrent", "run", "-q", "store:" + who + ":1", "--",
          "cat", "/log");
      logs.add(run.output().strip());
    }
    assertTrue(logs.contains("first\nsecond") || logs.contains("second\nfirst"),
        "one build ran after the other and saw both lines: " + logs);
  }

  @Test
  void aBuildKilledDuringTheStepLosesNoCacheAndTheNextBuildGetsItBack() throws Exception {
    // fakechroot renames the cache into the root for the step: the case a kill can interrupt.
    Path killed = context("killed", "FROM BASE\n"
        + "RUN --mount=type=cache,target=/c,id=k sh -c 'echo before-kill >> /c/log; echo started; sleep 300'\n");
    List<String> command = new ArrayList<>();
    if (AsNobody.root()) {
      command.addAll(List.of("runuser", "-u", "nobody", "--"));
    }
    command.addAll(List.of("env", "HOME=/nonexistent", "LADING_STORE=" + shared.resolve("store-killed"),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
        "build", "--executor", "fakechroot", killed.toString()));
    Process build = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuilder seen = new StringBuilder();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(build.getInputStream(),
        java.nio.charset.StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        seen.append(line).append('\n');
        if (line.equals("  started")) {
          break;
        }
      }
      assertTrue(seen.toString().contains("  started"), seen.toString());
      // SIGKILL for the JVM alone: no finally block runs; the step and faked end with it.
      ProcessHandle lading = build.descendants().filter(p -> p.info().command().orElse("").endsWith("/java"))
          .findFirst().orElse(build.toHandle());
      lading.destroyForcibly();
      build.waitFor();
      String store = shared.resolve("store-killed").toString();
      for (int i = 0; i < 100 && ProcessHandle.allProcesses()
          .anyMatch(p -> p.info().commandLine().orElse("").contains(store)); i++) {
        Thread.sleep(100);
      }
      assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(store)),
          "nothing of the killed build runs on");
    }

    Path next = context("after-kill", "FROM BASE\n"
        + "RUN --mount=type=cache,target=/c,id=k sh -c 'echo next >> /c/log; cp /c/log /log'\n");
    Processes.Result after = lading(true, "store-killed", "build", "--executor", "fakechroot", "-t",
        "after:1", next.toString());
    assertEquals(0, after.exitCode(), after.output());
    assertEquals("before-kill\nnext", filesOf(true, "store-killed", "after:1", "/log").get("/log"),
        "the cache left in the killed build's root came back");
  }

  @Test
  void aLinkAStepMadeInACacheLeadsIntoTheImageOfTheNextBuild() throws IOException {
    // fakechroot writes the absolute links a step makes with the root's host path in front, and the
    // kernel follows a link from the host's /: a cache holds links that outlive the build's root.
    assertFalse(Files.exists(Path.of("/etc/lading-cache-marker")), "the test needs a host without it");
    Path making = context("links-made", "FROM BASE\n"
        + "RUN echo first > /etc/lading-cache-marker\n"
        + "RUN --mount=type=cache,target=/c,id=links ln -sfn /etc/lading-cache-marker /c/link && cat /c/link > /first\n");
    Processes.Result made = lading(true, "store-links", "build", "--executor", "fakechroot", "-t", "links:1",
        making.toString());
    assertEquals(0, made.exitCode(), made.output());
    assertEquals("first", filesOf(true, "store-links", "links:1", "/first").get("/first"));
    for (String executor : List.of("proot", "fakechroot")) {
      Path reading = context("links-read-" + executor, "FROM BASE\n"
          + "RUN echo " + executor + " > /etc/lading-cache-marker\n"
          + "RUN --mount=type=cache,target=/c,id=links readlink /c/link > /target && cat /c/link > /next\n");
      Processes.Result read = lading(true, "store-links", "build", "--executor", executor, "-t", "links:2",
          reading.toString());
      assertEquals(0, read.exitCode(), read.output());
      java.util.Map<String, String> files = filesOf(true, "store-links", "links:2", "/target", "/next");
      assertEquals("/etc/lading-cache-marker", files.get("/target"));
      assertEquals(executor, files.get("/next"), "the link leads to this build's image");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"fakechroot", "proot"})
  void aCacheFromAStageStartsAsItsDirectoryAndANewSeedIsANewCache(String executor) throws IOException {
    // The Go modules pattern: a stage downloads, the build's cache starts from what it downloaded.
    String dockerfile = "FROM BASE AS deps\n"
        + "ARG VERSION=v1\n"
        + "RUN mkdir -p /deps/sub && echo $VERSION > /deps/module.txt && echo nested > /deps/sub/n\n"
        + "FROM BASE\n"
        + "RUN --mount=type=cache,target=/cache,from=deps,source=/deps \\\n"
        + "    cat /cache/module.txt /cache/sub/n > /seen && echo more >> /cache/built\n"
        + "RUN --mount=type=cache,target=/cache,from=deps,source=/deps,ro cat /cache/built > /built\n";
    String store = "store-seeded-" + executor;
    Path ctx = context("seeded-" + executor, dockerfile);
    Processes.Result build = lading(true, store, "build", "--executor", executor, "-t", "seeded:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    java.util.Map<String, String> files = filesOf(true, store, "seeded:1", "/seen", "/built");
    assertEquals("v1\nnested", files.get("/seen"), "the cache started as the stage's /deps");
    assertEquals("more", files.get("/built"), "the next step saw what the first wrote");
    List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve(store), "docker.io/library/seeded:1");
    assertEquals(List.of("seen"), List.copyOf(layers.get(layers.size() - 2).keySet()), "no cache in the layer");

    Processes.Result again = lading(true, store, "build", "--executor", executor, "--no-cache", "-t", "seeded:1",
        ctx.toString());
    assertEquals(0, again.exitCode(), again.output());
    assertEquals("more\nmore", filesOf(true, store, "seeded:1", "/built").get("/built"), "the cache was kept");

    // Another seed is another cache, which starts from it (BuildKit keys the cache by its from= too).
    Processes.Result v2 = lading(true, store, "build", "--executor", executor, "--build-arg", "VERSION=v2",
        "-t", "seeded:2", ctx.toString());
    assertEquals(0, v2.exitCode(), v2.output());
    files = filesOf(true, store, "seeded:2", "/seen", "/built");
    assertEquals("v2\nnested", files.get("/seen"));
    assertEquals("more", files.get("/built"));

    Path notADirectory = context("seeded-file-" + executor, "FROM BASE AS deps\nRUN echo x > /f\nFROM BASE\n"
        + "RUN --mount=type=cache,target=/cache,from=deps,source=/f true\n");
    Processes.Result refused = lading(true, store, "build", "--executor", executor, notADirectory.toString());
    assertEquals(1, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("source=/f: the source is not a directory in deps"), refused.output());
  }

  @Test
  void pruneCacheDropsACacheThatGcKeeps() throws IOException {
    Path ctx = context("pruned", "FROM BASE\n"
        + "RUN --mount=type=cache,target=/c,id=p sh -c 'echo run >> /c/log; cp /c/log /log'\n");
    for (int i = 0; i < 2; i++) {
      Processes.Result build = lading(true, "store-pruned", "build", "--no-cache", "-t", "pruned:1",
          ctx.toString());
      assertEquals(0, build.exitCode(), build.output());
    }
    assertEquals("run\nrun", filesOf(true, "store-pruned", "pruned:1", "/log").get("/log"));
    Processes.Result prune = lading(true, "store-pruned", "store", "prune-cache", "--id", "p");
    assertEquals(0, prune.exitCode(), prune.output());
    assertTrue(prune.output().contains("removed 1 build caches"), prune.output());
    Processes.Result again = lading(true, "store-pruned", "build", "--no-cache", "-t", "pruned:1",
        ctx.toString());
    assertEquals(0, again.exitCode(), again.output());
    assertEquals("run", filesOf(true, "store-pruned", "pruned:1", "/log").get("/log"), "the cache started empty");
  }
}
