package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.RequiredTool;
import java.nio.file.Files;
import java.nio.file.Path;
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
  void aBadCommandLineSaysHowToCallIt() throws Exception {
    RequiredTool.requireThat(StepHelper.program().isPresent(), StepHelper.missing());
    Path helper = StepHelper.installIn(dir).orElseThrow();
    Process p = new ProcessBuilder(helper.toString(), "--init", "sideways", "true").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(126, p.waitFor());
    assertTrue(out.startsWith("usage: lading-step"), out);
  }
}
