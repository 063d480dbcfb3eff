package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading run} as a CI user would: as {@code nobody} with home {@code /nonexistent} (and as
 * root), on a base image made from the host's binaries, through fakechroot+fakeroot and proot.
 */
class RunIT {
  @TempDir static Path shared;
  private static Path jar;
  private static String image;

  @BeforeAll
  static void makeABaseImage() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    RequiredTool.require("proot", "proot");
    jar = AsNobody.jar(shared);
    image = AsNobody.baseImage("minimal", shared.resolve("bases"));
  }

  /** Runs {@code lading run ARGS} as nobody (when this is root; as this user otherwise). */
  private static Processes.Result runAsNobody(String... args) throws IOException {
    return runAsNobody(null, args);
  }

  private static Processes.Result runAsNobody(Path tmp, String... args) throws IOException {
    List<String> run = new ArrayList<>(List.of("run"));
    run.addAll(List.of(args));
    return AsNobody.lading(jar, List.of(), tmp == null ? List.of() : List.of("-Djava.io.tmpdir=" + tmp),
        run.toArray(String[]::new));
  }

  @Test
  void aCommandRunsAsFakeRootAndItsExitCodeComesBack() throws IOException {
    Processes.Result r = runAsNobody(image, "--", "/bin/sh", "-c",
        "id -u; ls -ln /etc/passwd; touch /made; chown 7:8 /made; ls -ln /made; exit 3");
    assertEquals(3, r.exitCode(), r.output());
    String out = r.output();
    assertTrue(out.contains("executor: fakechroot (image and host: glibc"), out);
    assertTrue(out.lines().anyMatch(l -> l.equals("0")), "id -u inside: " + out);
    assertTrue(out.contains(" 0 0 ") && out.contains("/etc/passwd"), "the image's owners: " + out);
    assertTrue(out.lines().anyMatch(l -> l.matches(".* 7 8 .*/made")), "chown is seen: " + out);
  }

  @Test
  void userWorkdirAndEnvironmentAreApplied() throws IOException {
    Processes.Result r = runAsNobody("-u", "nobody", "-w", "/srv/app", "-e", "GREETING=hi", image, "--",
        "/bin/sh", "-c", "id -u; pwd; echo $GREETING; echo $HOME");
    assertEquals(0, r.exitCode(), r.output());
    List<String> lines = r.output().lines().filter(l -> !l.startsWith("executor:")).toList();
    assertEquals(List.of("65534", "/srv/app", "hi", "/nonexistent"), lines, r.output());
  }

  @Test
  void prootAsAskedRunsTheSameImageWithTheHostsLibfakeroot() throws IOException {
    Processes.Result r = runAsNobody("--executor", "proot", "-w", "/tmp", image, "--", "/bin/sh", "-c",
        "id -u; pwd; cat /etc/os-release | head -1; touch /made; chown 7:8 /made; ls -ln /made");
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("executor: proot, as asked, with the host's libfakeroot"), r.output());
    assertTrue(r.output().lines().anyMatch(l -> l.equals("0")), r.output());
    assertTrue(r.output().lines().anyMatch(l -> l.equals("/tmp")), r.output());
    assertTrue(r.output().lines().anyMatch(l -> l.matches(".* 7 8 .*/made")), "chown is seen: " + r.output());
  }

  @Test
  void anUnknownUserIsOneLineThatSaysWhatToDo() throws IOException {
    Processes.Result r = runAsNobody("-u", "app", image, "--", "/bin/true");
    assertEquals(1, r.exitCode(), r.output());
    assertTrue(r.output().contains("lading: unable to find user app"), r.output());
    assertFalse(r.output().contains("Exception"), r.output());
  }

  @Test
  void nothingIsLeftBehindInTheTempDirectory() throws IOException {
    // A temp directory of its own: other tests (and builds) share the machine's.
    Path tmp = Files.createDirectory(shared.resolve("tmp"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertEquals(0, runAsNobody(tmp, image, "--", "/bin/true").exitCode());
    try (Stream<Path> left = Files.list(tmp)) {
      // The fallback store of a user without a home is kept on purpose; nothing else may stay.
      assertEquals(List.of(), left.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("lading-nobody") && !n.startsWith("lading-root")).toList());
    }
  }
}
