package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.DockerfileException;
import dev.lading.dockerfile.Instruction;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RunInstructionsTest {
  private static Instruction.Run run(String line) throws DockerfileException {
    return (Instruction.Run) Dockerfile.parse("FROM scratch\n" + line + "\n").stages().get(0)
        .instructions().get(0);
  }

  @Test
  void aStepThatNamesSetcapIsQueriedAndOneThatNamesSetfattrIsWarned() throws DockerfileException {
    Instruction.Run setcap = run("RUN apt-get install -y libcap2-bin && /sbin/setcap cap_net_raw+p /bin/ping");
    assertTrue(RunInstructions.setsCapabilities(setcap));
    assertEquals(Optional.empty(), RunInstructions.lostAttributes(setcap));
    Optional<String> warning = RunInstructions.lostAttributes(run("RUN [\"setfattr\", \"-n\", \"user.a\", \"/f\"]"));
    assertTrue(warning.orElse("").startsWith("line 2: RUN calls setfattr, but the extended attributes"),
        warning.toString());
    assertFalse(RunInstructions.setsCapabilities(run("RUN setfattr -n user.a /f")));
  }

  @Test
  void namesThatMerelyContainThemAreNot() throws DockerfileException {
    for (String line : List.of("RUN apt-get install -y libcap2-bin", "RUN ./my-setcap.sh",
        "RUN echo setcaps", "RUN make install", "RUN ./my-setfattr")) {
      assertEquals(Optional.empty(), RunInstructions.lostAttributes(run(line)), line);
      assertFalse(RunInstructions.setsCapabilities(run(line)), line);
    }
  }

  /** The query runs after the command in the same shell session, keeps its exit code, marks its lines. */
  @Test
  void theCapabilityQueryKeepsTheCommandsExitCodeAndMarksItsLines() throws Exception {
    java.nio.file.Path bin = java.nio.file.Files.createTempDirectory("getcap-");
    try {
      // A stand-in getcap on PATH: prints one line per directory it is given.
      java.nio.file.Path getcap = bin.resolve("getcap");
      java.nio.file.Files.writeString(getcap, "#!/bin/sh\necho \"$2/x cap_net_raw=ep\"\n");
      getcap.toFile().setExecutable(true);
      List<String> argv = RunInstructions.withCapabilityQuery(List.of("/bin/sh", "-c", "echo out; exit 3"), "M1", false);
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
      pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
      Process p = pb.start();
      List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
      assertEquals(3, p.waitFor());
      assertEquals("out", lines.get(0));
      assertTrue(lines.contains("M1 /usr/x cap_net_raw=ep"), lines.toString());
      assertTrue(lines.stream().skip(1).allMatch(l -> l.startsWith("M1 /")), lines.toString());
      assertTrue(lines.stream().noneMatch(l -> l.startsWith("M1 /proc") || l.startsWith("M1 /sys")
          || l.startsWith("M1 /dev")), lines.toString());
    } finally {
      dev.lading.io.FileTrees.deleteTree(bin);
    }
  }

  @Test
  void aLoneHeredocIsTheScriptAndShellFormGoesThroughShell() throws DockerfileException {
    assertEquals(List.of("/bin/sh", "-c", "echo a\necho b\n"),
        RunInstructions.shellCommand(run("RUN <<EOF\necho a\necho b\nEOF"), List.of("/bin/sh", "-c")));
    assertEquals(List.of("/bin/bash", "-c", "echo $HOME"),
        RunInstructions.shellCommand(run("RUN echo $HOME"), List.of("/bin/bash", "-c")));
  }
}
