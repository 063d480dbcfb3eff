package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyscallFilterTest {
  @TempDir Path dir;

  /** Runs {@code command} behind the filter; its output. */
  private String filtered(String... command) throws IOException, InterruptedException {
    assertTrue(SyscallFilter.prefix(dir).isPresent(), "no filter: " + SyscallFilter.unavailable(dir));
    Process p = new ProcessBuilder(SyscallFilter.wrap(new ArrayList<>(List.of(command)), dir))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out.strip();
  }

  @Test
  void theCallsProotDoesNotKnowFailWithEnosysAndGlibcFallsBack() throws Exception {
    // perl here only to make raw system calls; Lading itself runs none.
    // statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, buf) straight to the kernel: ENOSYS (38) here.
    String statx = System.getProperty("os.arch").equals("aarch64") ? "291" : "332";
    assertEquals("38", filtered("perl", "-e", "my ($path, $buf) = (\"/\", \"\\0\" x 256); syscall(" + statx
        + ", -100, $path, 0, 0x7ff, $buf) == -1 ? print $!+0 : print 0"));
    // coreutils' stat asks glibc for statx, which falls back to newfstatat.
    assertEquals("directory", filtered("stat", "-c", "%F", "/"));
    // test -r (faccessat2 with AT_EACCESS) falls back to faccessat.
    assertEquals("readable", filtered("sh", "-c", "[ -r / ] && echo readable"));
  }

  @Test
  void programsCannotMakeThemselvesUndumpable() throws Exception {
    // prctl(PR_SET_DUMPABLE, 0) returns 0 and changes nothing: PR_GET_DUMPABLE still says 1.
    String prctl = System.getProperty("os.arch").equals("aarch64") ? "167" : "157";
    assertEquals("0 1", filtered("perl", "-e", "print syscall(" + prctl + ", 4, 0, 0, 0, 0), ' ', syscall("
        + prctl + ", 3, 0, 0, 0, 0)"));
  }

  @Test
  void otherCallsAreUntouched() throws Exception {
    assertEquals("/", filtered("sh", "-c", "cd / && pwd"));
  }
}
