package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.RootfsSnapshot;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnerLogTest {
  @TempDir Path work;

  @Test
  void theBuildPutsTheLibraryForThisMachineInTheJar() {
    // native.sh builds it at process-resources; CI has a C compiler.
    if (RequiredTool.isCi()) {
      assertTrue(OwnerLog.library(OwnerLog.hostArchitecture()).isPresent(), "no owner-log library for " + OwnerLog.hostArchitecture());
      // And for the other of x86_64 and aarch64, whose images' programs run under qemu.
      String other = OwnerLog.hostArchitecture().equals("x86_64") ? "aarch64" : "x86_64";
      assertTrue(OwnerLog.library(other).isPresent(), "no owner-log library for " + other);
    }
  }

  @Test
  void laterChownsOfAnInodeWinPerIdAndACutLineIsSkipped() throws IOException {
    OwnerLog log = OwnerLog.create(work, OwnerLog.hostArchitecture());
    if (log == null) {
      return; // built without a C compiler: nothing is recorded, as the executor's log line says
    }
    try (log) {
      Files.writeString(log.directory().resolve(OwnerLog.LOG), "2049 17 100 101\n2049 17 -1 7\n2049 18 5 -1\n2049 19",
          StandardOpenOption.APPEND);
      Map<RootfsSnapshot.Inode, long[]> chowns = log.chowns();
      assertArrayEquals(new long[] {100, 7}, chowns.get(RootfsSnapshot.inode(2049, 17)));
      assertArrayEquals(new long[] {5, -1}, chowns.get(RootfsSnapshot.inode(2049, 18)));
      assertEquals(2, chowns.size());
    }
    assertFalse(Files.exists(log.directory()), "closed: the directory is gone");
  }
}
