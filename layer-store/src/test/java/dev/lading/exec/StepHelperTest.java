package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.RequiredTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepHelperTest {
  @TempDir Path dir;

  @Test
  void theBuildPutsTheHelperForBothMachinesInTheJar() {
    // native.sh builds it at process-resources; CI has a C compiler and the cross compiler.
    if (RequiredTool.isCi()) {
      assertTrue(StepHelper.program().isPresent(), StepHelper.missing());
      String other = OwnerLog.hostArchitecture().equals("x86_64") ? "aarch64" : "x86_64";
      assertTrue(StepHelper.class.getResource("native/" + other + "/" + StepHelper.NAME) != null,
          "no step helper for " + other + " hosts");
    }
  }

  @Test
  void itIsWrittenOnceAndSharedUnderANameThatHoldsItsDigest() throws Exception {
    RequiredTool.requireThat(StepHelper.program().isPresent(), StepHelper.missing());
    Optional<Path> first = StepHelper.installIn(dir);
    Optional<Path> second = StepHelper.installIn(dir);
    assertEquals(first, second);
    Path helper = first.orElseThrow();
    assertTrue(Files.isExecutable(helper));
    assertTrue(helper.getFileName().toString().matches("\\.lading-step-[0-9a-f]{16}"), helper.toString());
    assertArrayEquals(StepHelper.program().get(), Files.readAllBytes(helper));
    try (var listing = Files.list(dir)) {
      assertEquals(1, listing.count(), "no temporary file is left");
    }
  }

  @Test
  void fakedStopsWhenLadingIsKilledAndTakesItsQueueWithIt() throws Exception {
    RequiredTool.requireThat(StepHelper.program().isPresent(), StepHelper.missing());
    RequiredTool.require("fakeroot", "fakeroot");
    FakerootLibrary fakeroot = FakerootLibrary.host().orElseThrow();
    Path state = Files.writeString(dir.resolve("state"), "");
    // A shell stands in for Lading, starting faked as Faked.start does; killed with SIGKILL, it
    // stops nothing itself.
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "\"$@\" < " + state + " & wait", "sh",
        StepHelper.installIn(dir).orElseThrow().toString(), "--die-with-parent", "--"));
    command.addAll(fakeroot.faked());
    command.addAll(List.of("--foreground", "--load", "--save-file", state.toString()));
    Process lading = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(lading.getInputStream(),
        java.nio.charset.StandardCharsets.UTF_8)).readLine();
    assertTrue(line != null && line.matches("\\d+:\\d+"), "faked said " + line);
    String key = line.substring(0, line.indexOf(':'));
    ProcessHandle faked = ProcessHandle.of(Long.parseLong(line.substring(line.indexOf(':') + 1))).orElseThrow();
    assertTrue(queueKeys().contains(key), "faked's message queue exists");

    lading.destroyForcibly();
    assertFalse(faked.onExit().completeOnTimeout(faked, 10, java.util.concurrent.TimeUnit.SECONDS).join().isAlive(),
        "faked stopped with Lading");
    assertFalse(queueKeys().contains(key), "and removed its message queue");
  }

  /** The keys of this machine's System V message queues. */
  private static List<String> queueKeys() throws java.io.IOException {
    return Files.readAllLines(Path.of("/proc/sysvipc/msg")).stream().skip(1)
        .map(l -> l.strip().split("\\s+")[0]).toList();
  }

  @Test
  void aBadCommandLineSaysHowToCallIt() throws Exception {
    RequiredTool.requireThat(StepHelper.program().isPresent(), StepHelper.missing());
    Path helper = StepHelper.installIn(dir).orElseThrow();
    Process p = new ProcessBuilder(helper.toString(), "--init", "sideways", "true").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(126, p.waitFor());
    assertTrue(out.startsWith("usage: lading-step"), out);
  }
}
