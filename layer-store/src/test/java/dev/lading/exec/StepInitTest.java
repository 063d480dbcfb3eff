package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.RequiredTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepInitTest {
  @TempDir Path dir;
  private final List<String> output = new ArrayList<>();

  @BeforeEach
  void helper() {
    RequiredTool.requireThat(StepInit.available(), StepHelper.missing() + " (no C compiler when it was built:"
        + " apt-get install gcc)");
  }

  private final Map<String, String> env = new java.util.HashMap<>(Map.of("PATH", "/usr/bin:/bin"));

  private int run(List<String> command) throws Exception {
    return CommandLine.run(command, env, dir, output::add);
  }

  /** A shell script for the step, as a shell-form RUN gives it. */
  private static List<String> shell(String script) {
    return List.of("/bin/sh", "-c", script);
  }

  /**
   * Background jobs that would write {@code late} and {@code daemon} 1 s on, the second one forked
   * twice into its own session as a daemon is, then {@code rest} in the foreground.
   */
  private String leaving(String rest) {
    Path late = dir.resolve("late");
    Path daemon = dir.resolve("daemon");
    return "(sleep 1; echo late > " + late + ") & (setsid sh -c 'sleep 1; echo late > " + daemon + "' &); " + rest;
  }

  private void nothingLeftRunning() throws InterruptedException {
    Thread.sleep(2000);
    assertFalse(Files.exists(dir.resolve("late")), "the background job was killed with the step");
    assertFalse(Files.exists(dir.resolve("daemon")), "so was the daemon, which left the step's session");
  }

  @Test
  void theStepEndsWithItsFirstProcessWhoseStatusItTakes() throws Exception {
    assertEquals(3, run(StepInit.wrap(shell(leaving("echo started; exit 3")), dir, true)));
    assertEquals(List.of("started"), output, "the output ends when the step does");
    nothingLeftRunning();
  }

  @Test
  void withoutTheNetworkAStepCannotMakeAnInternetSocketLoopbackIncluded() throws Exception {
    // RUN --network=none. bash's /dev/tcp: refused with the network, unreachable without.
    String connect = "exec 3<>/dev/tcp/127.0.0.1/1";
    assertEquals(1, run(StepInit.wrap(List.of("bash", "-c", connect), dir, true)));
    assertTrue(String.join("\n", output).contains("Connection refused"), output.toString());
    output.clear();
    assertEquals(1, run(StepInit.wrap(List.of("bash", "-c", connect), dir, false)));
    assertTrue(String.join("\n", output).contains("socket: Network is unreachable"), output.toString());
    output.clear();
    assertEquals(0, run(StepInit.wrap(shell("echo x | cat"), dir, false)), "pipes and the rest work: " + output);
  }

  @Test
  void theLoadersVariablesReachTheCommandButNotTheInit() throws Exception {
    // fakechroot with an image release's libraries sets them; the init, static, loads nothing.
    env.put("LD_PRELOAD", "/nonexistent/libnothing.so");
    assertEquals(0, run(StepInit.wrap(shell("echo preload=$LD_PRELOAD"), dir, true)));
    assertTrue(output.contains("preload=/nonexistent/libnothing.so"), output.toString());
    assertEquals(1, output.stream().filter(line -> line.contains("cannot be preloaded")).count(),
        "the loader complained for the command's shell only: " + output);
  }

  @Test
  void aStopRequestEndsEveryProcessOfTheStep() throws Exception {
    // A cancelled build stops the init with SIGTERM (CommandLine): the command and what it started go.
    Process p = new ProcessBuilder(StepInit.wrap(shell(leaving("sleep 30 & sleep 30")), dir, true)).start();
    List<ProcessHandle> started = new ArrayList<>();
    for (int i = 0; i < 100 && started.size() < 4; i++) {
      Thread.sleep(50);
      started = p.descendants().toList();
    }
    assertTrue(started.size() >= 4, "the step's processes started: " + started);
    p.destroy();
    assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the init ended");
    assertEquals(143, p.exitValue(), "128 + SIGTERM, as a shell reports it");
    for (ProcessHandle h : started) {
      assertFalse(h.onExit().completeOnTimeout(h, 2, java.util.concurrent.TimeUnit.SECONDS).join().isAlive(),
          "left running: " + h.info().commandLine().orElse(Long.toString(h.pid())));
    }
    nothingLeftRunning();
  }

  @Test
  void theStepEndsWhenLadingIsKilled() throws Exception {
    // A shell stands in for Lading: killed with SIGKILL (the OOM killer, a CI job's end), it stops
    // nothing itself; the init is told by the kernel and stops the step.
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "\"$@\" & wait", "sh"));
    command.addAll(StepInit.wrap(List.of("sleep", "300"), dir, true));
    Process lading = new ProcessBuilder(command).start();
    ProcessHandle sleep = null;
    for (int i = 0; i < 100 && sleep == null; i++) {
      Thread.sleep(50);
      sleep = lading.descendants().filter(p -> p.info().command().orElse("").endsWith("/sleep")).findFirst()
          .orElse(null);
    }
    assertTrue(sleep != null, "the step started");
    lading.destroyForcibly();
    assertFalse(sleep.onExit().completeOnTimeout(sleep, 5, java.util.concurrent.TimeUnit.SECONDS).join().isAlive(),
        "the step ended with Lading");
  }

  @Test
  void aSignalEndingTheFirstProcessIsReportedAsAShellWould() throws Exception {
    assertEquals(137, run(StepInit.wrap(shell("kill -9 $$"), dir, true)));
  }

  @Test
  void underProotTheCommandsStatusCountsNotTheLastProcessToExit() throws Exception {
    Path proot = RequiredTool.require("proot", "proot");
    // Without the report, proot exits with the status of whichever process exited last: 0 here, the
    // sleep's, or 5 below, the job's.
    List<String> command = new ArrayList<>(List.of(proot.toString(), "-r", "/", "-b", "/dev", "-b", "/proc", "-w", "/"));
    command.addAll(StepInit.reportingShell(new RunSpec(dir, shell(leaving("sleep 1 & exit 3")), List.of(), "/tmp",
        "", null)));
    assertEquals(3, run(StepInit.wrapReported(command, dir, true)));
    nothingLeftRunning();

    command = new ArrayList<>(command.subList(0, command.size() - 1));
    command.add("(sleep 0.5; exit 5) & pwd");
    assertEquals(0, run(StepInit.wrapReported(command, dir, true)));
    assertTrue(output.contains("/tmp"), "the shell entered the working directory: " + output);
  }

  @Test
  void withoutAReportProotsOwnStatusStands() throws Exception {
    Path proot = RequiredTool.require("proot", "proot");
    // The image's shell is gone, say: proot ran the command and nothing reported.
    List<String> command = List.of(proot.toString(), "-r", "/", "-w", "/", "/bin/sh", "-c", "exit 4");
    assertEquals(4, run(StepInit.wrapReported(command, dir, true)));
  }
}
