package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class FakerootLibraryTest {
  private static Libc glibc(String version) {
    return new Libc(Libc.Kind.GLIBC, version);
  }

  @Test
  void theHostsIsReadFromItsScriptAndLoadsFromTheGlibcItWasLinkedAgainst() throws Exception {
    FakerootLibrary host = FakerootLibrary.host().orElseThrow(
        () -> new AssertionError("fakeroot's script not read (apt-get install fakeroot)"));
    assertTrue(Files.isExecutable(java.nio.file.Path.of(host.faked().get(0))), host.toString());
    assertEquals("libfakeroot-sysv.so", host.library().getFileName().toString());
    assertEquals(List.of("/bin/ls"), host.ls());
    // Debian 12's is linked against glibc 2.34's dlsym: Debian 11 (2.31) cannot load it, Ubuntu
    // 22.04 (2.35), Debian 13 (2.41) and the host itself can.
    assertTrue(host.loadsInto(Libc.of(java.nio.file.Path.of("/"))));
    assertTrue(host.loadsInto(glibc("2.41")));
    assertTrue(host.loadsInto(glibc("2.35")));
    assertFalse(host.loadsInto(glibc("2.31")));
    assertFalse(host.loadsInto(glibc("")), "an unknown version");
    assertFalse(host.loadsInto(new Libc(Libc.Kind.MUSL, "")));
  }
}
