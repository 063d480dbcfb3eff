package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lading on a Debian 13 host (the stable release; glibc 2.41), as a CI container of it runs it: a
 * Debian 13 root made from the test base, with Debian 13's JRE, fakechroot, fakeroot and proot
 * installed by its apt, entered with chroot in a mount namespace of its own (root only), where
 * {@code nobody} builds Debian 11 and 12 images (older glibc) and a Debian 13 one (the host's). The
 * other ITs run on this machine's Debian 12 only.
 */
class DebianHostIT {
  @TempDir static Path shared;
  private static Path host;

  @BeforeAll
  static void makeADebian13Host() throws IOException {
    RequiredTool.requireThat(AsNobody.root(), "DebianHostIT enters a chroot, which needs root");
    RequiredTool.require("unshare", "util-linux");
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("debootstrap", "debootstrap");
    Path bases = Path.of(System.getProperty("java.io.tmpdir"), "lading-it-bases");
    Path jar = AsNobody.jar(shared);
    host = shared.resolve("host");
    Processes.check(List.of("env", "LADING_STORE=" + shared.resolve("unpack-store"),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(), "unpack",
        AsNobody.baseImage("trixie", bases), host.toString()), 600);
    Path work = Files.createDirectories(host.resolve("w"));
    Files.copy(jar, work.resolve("lading.jar"));
    for (String suite : List.of("bullseye", "bookworm", "trixie")) {
      String reference = AsNobody.baseImage(suite, bases);
      Processes.check(List.of("cp", "-r", reference.substring("oci:".length(), reference.lastIndexOf(':')),
          work.resolve(suite).toString()), 120);
      Path ctx = Files.createDirectories(work.resolve("ctx-" + suite));
      Files.writeString(ctx.resolve("Dockerfile"), "FROM oci:/w/" + suite + ":latest\n"
          + "RUN apt-get update && apt-get install -y --no-install-recommends hello \\\n"
          + "    && rm -rf /var/lib/apt/lists/*\n"
          + "RUN useradd -m app && mkdir /data && chown app:app /data\n"
          + "RUN ls --no-such-option 2>&1 | head -n 1\n"
          // ldconfig itself (static, so beyond any preload) refreshes the image's cache.
          + "RUN cp /usr/lib/x86_64-linux-gnu/libz.so.1 /usr/local/lib/liblading-test.so.1 && ldconfig"
          + " && ldconfig -p | grep -q /usr/local/lib/\n"
          + "USER app\n");
    }
    Files.copy(Path.of("/etc/resolv.conf"), host.resolve("etc/resolv.conf"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    inHost("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq"
        + " --no-install-recommends openjdk-21-jre-headless fakechroot fakeroot proot >/dev/null")
        .assertSuccess(List.of("apt-get install"));
    Processes.check(List.of("chmod", "-R", "a+rwX", work.toString()), 120);
  }

  /** {@code script} run by {@code sh} in the Debian 13 root, with /proc and /dev mounted for it alone. */
  private static Processes.Result inHost(String script) throws IOException {
    return Processes.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
        "mount --bind /proc \"$1/proc\" && mount --bind /dev \"$1/dev\" && exec chroot \"$1\" sh -c \"$2\"",
        "sh", host.toString(), script), 900);
  }

  /** {@code lading ARGS} as nobody (home /nonexistent) in the Debian 13 root. */
  private static Processes.Result lading(String args) throws IOException {
    return inHost("cd /tmp && runuser -u nobody -- env HOME=/nonexistent LADING_STORE=/w/store"
        + " java -jar /w/lading.jar " + args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bookworm", "bullseye"})
  void anOlderGlibcsImageRecordsOwnersWithItsOwnLibfakeroot(String suite) throws IOException {
    buildAndRun(suite, "", "executor: proot with the image's own libfakeroot");
  }

  @Test
  void fakechrootAsAskedRunsAnOlderGlibcsProgramsThroughItsLoader() throws IOException {
    // The release's own libfakechroot and libfakeroot, run by its loader (preloaded in the order the
    // fakechroot script uses: the other way round, Debian 12's found no program on this host).
    String output = buildAndRun("bookworm", "--executor fakechroot",
        "executor: fakechroot, as asked, with the image's own");
    // A program run through the image's loader keeps its argv[0] (glibc 2.33 and later: --argv0).
    assertTrue(output.contains(" /usr/bin/ls: unrecognized option"), output);
  }

  @Test
  void theHostsGlibcTakesTheHostsFakechroot() throws IOException {
    buildAndRun("trixie", "", "executor: fakechroot (image and host: glibc 2.41)");
  }

  /** Builds the suite's Dockerfile, checks the executor line and the image's owners; the build's output. */
  private static String buildAndRun(String suite, String options, String executorLine) throws IOException {
    String tag = suite + (options.isEmpty() ? "" : "-asked");
    Processes.Result build = lading("build --no-cache " + options + " -t " + tag + ":1 /w/ctx-" + suite);
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains(executorLine), build.output());
    Processes.Result run = lading("run -q store:" + tag + ":1 -- sh -c 'id -un; stat -c \"%U %G\" /data; hello'");
    assertEquals("app\napp app\nHello, world!", run.output().strip(), run.output());
    return build.output();
  }
}
