package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code LADING_WORK_DIR}: a build's stages unpacked and run on another file system than the store
 * (a tmpfs, /dev/shm), cache mounts kept on the store's, a killed build's directory swept by the next
 * build (there, and in the store by default), and a full or noexec tmpfs named in the error.
 */
class WorkDirIT {
  @TempDir static Path shared;
  private static Path jar;
  private static String base;
  private static Path workDir;

  @BeforeAll
  static void setUp() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    Path shm = Path.of("/dev/shm");
    RequiredTool.requireThat(Files.isDirectory(shm) && Files.isWritable(shm)
        && !Files.getAttribute(shm, "unix:dev").equals(Files.getAttribute(shared, "unix:dev")),
        "needs a writable /dev/shm on another file system than " + shared);
    jar = AsNobody.jar(shared);
    base = AsNobody.baseImage("minimal", shared.resolve("bases"));
    workDir = Files.createTempDirectory(shm, "lading-workdir-it-");
    Processes.check(List.of("chmod", "1777", workDir.toString()), 60);
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (workDir != null) {
      Processes.run(List.of("rm", "-rf", workDir.toString()), 120);
    }
  }

  // SOURCE_DATE_EPOCH: files a RUN makes have the time it ran, unless capped.
  private static Processes.Result lading(String store, Path work, String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve(store), "LADING_WORK_DIR=" + work,
        "SOURCE_DATE_EPOCH=1700000000"), List.of(), args);
  }

  private static Path context(String name, String dockerfile) throws IOException {
    Path dir = Files.createDirectories(shared.resolve(name));
    Files.writeString(dir.resolve("Dockerfile"), dockerfile.replace("BASE", base));
    Processes.check(List.of("chmod", "-R", "a+rX", dir.toString()), 60);
    return dir;
  }

  /** The build directories left under the work directory (all users'), and their lock files. */
  private static List<Path> leftOver(Path work) throws IOException {
    List<Path> left = new ArrayList<>();
    try (Stream<Path> users = Files.list(work)) {
      for (Path user : users.toList()) {
        try (Stream<Path> builds = Files.list(user)) {
          left.addAll(builds.toList());
        }
      }
    }
    return left;
  }

  @Test
  void aBuildOnATmpfsGivesTheSameImageAsOneInTheStore() throws IOException {
    Path ctx = context("files", "FROM BASE\n"
        + "RUN mkdir -p /data && for i in 1 2 3; do echo $i > /data/f$i; done && chown 123:45 /data/f2\n"
        + "RUN rm /data/f1 && echo changed >> /data/f3\n");
    Processes.Result onTmpfs = lading("store-files", workDir, "build", "--executor", "fakechroot", "-t", "a:1",
        ctx.toString());
    assertEquals(0, onTmpfs.exitCode(), onTmpfs.output());
    assertFalse(onTmpfs.output().contains("work directory: the store's"), onTmpfs.output());
    assertEquals(List.of(), leftOver(workDir), "the build removed its directory");
    Processes.Result inStore = AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve("store-files-2"),
        "SOURCE_DATE_EPOCH=1700000000"), List.of(), "build", "--executor", "fakechroot", "-t", "a:1", ctx.toString());
    assertEquals(0, inStore.exitCode(), inStore.output());
    assertEquals(lastLine(inStore), lastLine(onTmpfs), "one digest wherever the stages were unpacked");
  }

  @Test
  void aBuildWithACacheMountRunsOnTheStoresFileSystem() throws IOException {
    Path ctx = context("cache", "FROM BASE\n"
        + "RUN --mount=type=cache,target=/c,id=wd sh -c 'echo run >> /c/log; cp /c/log /log'\n");
    for (String expected : List.of("run", "run\nrun")) {
      Processes.Result build = lading("store-cache", workDir, "build", "--executor", "fakechroot",
          "--no-cache", "-t", "c:1", ctx.toString());
      assertEquals(0, build.exitCode(), build.output());
      assertTrue(build.output().contains("work directory: the store's"), build.output());
      Processes.Result log = lading("store-cache", workDir, "run", "-q", "store:c:1", "--", "cat", "/log");
      assertEquals(expected, log.output().strip(), "the cache is kept between builds");
    }
  }

  @Test
  void theDirectoryOfAKilledBuildIsSweptByTheNextBuild() throws Exception {
    Path ctx = context("killed", "FROM BASE\nRUN echo started; sleep 300\n");
    Process build = startBuild(List.of("LADING_STORE=" + shared.resolve("store-killed"), "LADING_WORK_DIR=" + workDir),
        ctx);
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(build.getInputStream(), StandardCharsets.UTF_8))) {
      String seen = untilStarted(lines);
      List<Path> running = leftOver(workDir).stream().filter(Files::isDirectory).toList();
      assertEquals(1, running.size(), seen + " " + running);
      // SIGKILL: no finally block runs, the directory stays.
      killLading(build);
      String dir = running.get(0).toString();
      nothingRunsIn(dir);
      assertTrue(Files.isDirectory(running.get(0)));

      Path next = context("after-kill", "FROM BASE\nRUN echo next > /next\n");
      Processes.Result after = lading("store-killed", workDir, "build", "--executor", "fakechroot", next.toString());
      assertEquals(0, after.exitCode(), after.output());
      assertTrue(after.output().contains("work directory: removed " + dir + ", left by a build or run that is gone"),
          after.output());
      assertEquals(List.of(), leftOver(workDir), "neither it nor its lock file is left");
    }
  }

  @Test
  void aKilledBuildsStepEndsWithItAndItsDirectoryInTheStoreGoesWithTheNextBuild() throws Exception {
    // The default work directory, the store's: a cancelled CI job with a cached store must not
    // leave a root file system there for good, nor its RUN step running.
    Path ctx = context("killed-store", "FROM BASE\nRUN echo started; sleep 300\n");
    Path store = shared.resolve("store-killed-default");
    Process build = startBuild(List.of("LADING_STORE=" + store), ctx);
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(build.getInputStream(), StandardCharsets.UTF_8))) {
      String seen = untilStarted(lines);
      List<Path> running = buildDirectories(store).stream().filter(Files::isDirectory).toList();
      assertEquals(1, running.size(), seen + " " + running);
      Path dir = running.get(0);
      List<ProcessHandle> step = build.descendants()
          .filter(p -> p.info().commandLine().orElse("").contains("sleep 300")).toList();
      assertFalse(step.isEmpty(), "the step runs");
      // SIGKILL of Lading alone: no finally block runs, and nothing stops the step but its init.
      killLading(build);
      for (ProcessHandle p : step) {
        assertFalse(p.onExit().completeOnTimeout(p, 10, java.util.concurrent.TimeUnit.SECONDS).join().isAlive(),
            "the step ended with the build that ran it");
      }
      nothingRunsIn(dir.toString());
      assertTrue(Files.isDirectory(dir.resolve("stage-0")), "left behind: " + dir);

      Path next = context("after-kill-store", "FROM BASE\nRUN echo next > /next\n");
      Processes.Result after = AsNobody.lading(jar, List.of("LADING_STORE=" + store), List.of(),
          "build", "--executor", "fakechroot", next.toString());
      assertEquals(0, after.exitCode(), after.output());
      assertTrue(after.output().contains("work directory: removed " + dir + ", left by a build or run that is gone"),
          after.output());
      assertEquals(List.of(), buildDirectories(store));
    }
  }

  /** {@code lading build} of {@code ctx} as nobody with {@code env}, started (its output to read). */
  private static Process startBuild(List<String> env, Path ctx) throws IOException {
    List<String> command = new ArrayList<>();
    if (AsNobody.root()) {
      command.addAll(List.of("runuser", "-u", "nobody", "--"));
    }
    command.addAll(List.of("env", "HOME=/nonexistent"));
    command.addAll(env);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "build", "--executor", "fakechroot", ctx.toString()));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** SIGKILL to the build's JVM alone (not runuser, not what it started): no cleanup of its own runs. */
  private static void killLading(Process build) throws InterruptedException {
    ProcessHandle lading = build.descendants().filter(p -> p.info().command().orElse("").endsWith("/java"))
        .findFirst().orElse(build.toHandle());
    lading.destroyForcibly();
    build.waitFor();
  }

  /**
   * Waits until no process runs with {@code dir} on its command line: the step's init and faked stop
   * when Lading dies (faked saving its state and removing its System V queues).
   */
  private static void nothingRunsIn(String dir) throws InterruptedException {
    List<String> left = List.of();
    for (int i = 0; i < 100; i++) {
      left = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
          .filter(c -> c.contains(dir)).toList();
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("still running after the build was killed: " + left);
  }

  /** Reads the build's output up to its step's {@code started}; what came before. */
  private static String untilStarted(BufferedReader lines) throws IOException {
    StringBuilder seen = new StringBuilder();
    for (String line; (line = lines.readLine()) != null && !line.equals("  started"); ) {
      seen.append(line).append('\n');
    }
    return seen.toString();
  }

  /** The build directories in {@code store}'s temp area, and their lock files. */
  private static List<Path> buildDirectories(Path store) throws IOException {
    try (Stream<Path> tmp = Files.list(store.resolve(".lading/tmp"))) {
      return tmp.filter(p -> p.getFileName().toString().matches("\\.?build-.*")).toList();
    }
  }

  @Test
  void aFullTmpfsIsNamedInTheErrorWithWhatToDo() throws IOException {
    RequiredTool.requireThat(AsNobody.root(), "mounting a small tmpfs needs root");
    Path small = Files.createDirectories(shared.resolve("small-tmpfs"));
    RequiredTool.requireThat(Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=24m,mode=1777", "tmpfs",
        small.toString()), 60).exitCode() == 0, "mount -t tmpfs failed");
    try {
      Path ctx = context("full", "FROM BASE\nRUN head -c 67108864 /dev/zero > /big\n");
      Processes.Result build = lading("store-full", small, "build", "--executor", "fakechroot", ctx.toString());
      assertEquals(1, build.exitCode(), build.output());
      String error = lastLine(build);
      assertTrue(error.contains("the work directory " + small + " (tmpfs, 24.0 MiB) is full; set LADING_WORK_DIR"),
          build.output());
      assertEquals(List.of(), leftOver(small), "the failed build removed its directory");
    } finally {
      Processes.run(List.of("umount", small.toString()), 60);
    }
  }

  @Test
  void aNoexecWorkDirectoryIsNamedInTheErrorWithWhatToDo() throws IOException {
    // Docker mounts /dev/shm so: no program can run from there, under either executor.
    RequiredTool.requireThat(AsNobody.root(), "mounting a noexec tmpfs needs root");
    Path noexec = Files.createDirectories(shared.resolve("noexec-tmpfs"));
    RequiredTool.requireThat(Processes.run(List.of("mount", "-t", "tmpfs", "-o", "noexec,mode=1777", "tmpfs",
        noexec.toString()), 60).exitCode() == 0, "mount -t tmpfs failed");
    try {
      Path ctx = context("noexec", "FROM BASE\nRUN echo ran\n");
      for (String executor : List.of("fakechroot", "proot")) {
        Processes.Result build = lading("store-noexec", noexec, "build", "--executor", executor, ctx.toString());
        assertEquals(1, build.exitCode(), build.output());
        assertTrue(lastLine(build).contains("is on a file system mounted noexec, where the image's programs cannot"
            + " run; point LADING_WORK_DIR"), build.output());
        assertFalse(build.output().contains("applying layer"), "said before the base was unpacked: " + build.output());
        assertEquals(List.of(), leftOver(noexec), "the failed build removed its directory");
      }
    } finally {
      Processes.run(List.of("umount", noexec.toString()), 60);
    }
  }

  private static String lastLine(Processes.Result result) {
    List<String> lines = result.output().strip().lines().toList();
    return lines.get(lines.size() - 1);
  }
}
