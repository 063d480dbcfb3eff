package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
  void aStepThatNamesSetcapOrSetfattrIsWarned() throws DockerfileException {
    Optional<String> warning = RunInstructions.lostAttributes(
        run("RUN apt-get install -y libcap2-bin && /sbin/setcap cap_net_raw+p /bin/ping"));
    assertTrue(warning.orElse("").startsWith("line 2: RUN calls setcap, but the file capabilities"), warning.toString());
    assertTrue(RunInstructions.lostAttributes(run("RUN [\"setfattr\", \"-n\", \"user.a\", \"/f\"]")).isPresent());
  }

  @Test
  void namesThatMerelyContainThemAreNot() throws DockerfileException {
    for (String line : List.of("RUN apt-get install -y libcap2-bin", "RUN ./my-setcap.sh",
        "RUN echo setcaps", "RUN make install")) {
      assertEquals(Optional.empty(), RunInstructions.lostAttributes(run(line)), line);
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
