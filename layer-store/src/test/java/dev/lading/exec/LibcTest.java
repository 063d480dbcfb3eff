package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {
  @TempDir Path root;

  @Test
  void theHostHasAVersionedGlibc() throws IOException {
    Libc host = Libc.of(Path.of("/"));
    assertEquals(Libc.Kind.GLIBC, host.kind());
    assertTrue(host.version().matches("2\\.\\d+"), host.version());
  }

  @Test
  void aRootsGlibcIsFoundThroughItsOwnSymlinksNotTheHosts() throws IOException {
    Files.createDirectories(root.resolve("usr/lib/x86_64-linux-gnu"));
    Files.write(root.resolve("usr/lib/x86_64-linux-gnu/libc-2.31.so"),
        "\0GNU C Library (Debian GLIBC 2.31-13) stable release version 2.31.\0".getBytes(StandardCharsets.ISO_8859_1));
    Files.createSymbolicLink(root.resolve("usr/lib/x86_64-linux-gnu/libc.so.6"), Path.of("libc-2.31.so"));
    // An absolute link means the root's /usr/lib, never the host's.
    Files.createSymbolicLink(root.resolve("lib"), Path.of("/usr/lib"));
    assertEquals(new Libc(Libc.Kind.GLIBC, "2.31"), Libc.of(root));
  }

  @Test
  void muslAndStaticRootsAreToldApart() throws IOException {
    Files.createDirectories(root.resolve("bin"));
    assertEquals(Libc.Kind.NONE, Libc.of(root).kind());
    Files.createDirectories(root.resolve("lib"));
    Files.writeString(root.resolve("lib/ld-musl-x86_64.so.1"), "");
    assertEquals(Libc.Kind.MUSL, Libc.of(root).kind());
  }
}
