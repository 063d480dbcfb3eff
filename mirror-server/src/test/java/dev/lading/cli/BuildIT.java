package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.model.Platform;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading build} of Dockerfiles with RUN steps as a CI user would run it: as {@code nobody}
 * (home {@code /nonexistent}), on a base image made from the host's binaries; the layers are read
 * back entry by entry, the image is run with {@code lading run} and read by skopeo.
 */
class BuildIT {
  @TempDir static Path shared;
  private static Path jar;
  private static String base;

  @BeforeAll
  static void makeABaseImage() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    jar = AsNobody.jar(shared);
    base = AsNobody.baseImage("minimal", shared.resolve("bases"));
  }

  /** Runs {@code lading ARGS} as nobody (when root) with a store in the shared directory. */
  private static Processes.Result lading(String store, String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve(store)), List.of(), args);
  }

  private static Path context(String name, String dockerfile) throws IOException {
    Path dir = Files.createDirectories(shared.resolve(name));
    Files.writeString(dir.resolve("Dockerfile"), dockerfile.replace("BASE", base));
    Processes.check(List.of("chmod", "-R", "a+rX", dir.toString()), 60);
    return dir;
  }

  /** Each layer of the built image (bottom first): path -> "type mode uid:gid [-> target]". */
  private static List<TreeMap<String, String>> layers(String store, String ref) throws IOException {
    return LayerListing.layers(shared.resolve(store), ref);
  }

  @Test
  void fileCapabilitiesASetcapStepSetsReachItsLayer() throws IOException {
    // The minimal base has no libcap tools: the host's setcap and getcap, with their libcap, are
    // copied in (the base is made of the host's binaries, so they run there).
    Path setcap = java.util.stream.Stream.of("/usr/sbin/setcap", "/sbin/setcap").map(Path::of)
        .filter(Files::isExecutable).findFirst().orElseGet(() -> RequiredTool.require("setcap", "libcap2-bin"));
    Path getcap = setcap.resolveSibling("getcap");
    Path libcap = Path.of(Processes.check(List.of("sh", "-c",
        "ldd " + setcap + " | awk '/libcap\\.so/ {print $3}'"), 30).trim()).toRealPath();
    Path ctx = context("setcap", "FROM BASE\n"
        + "COPY setcap getcap /usr/sbin/\n"
        + "COPY libcap.so.2 " + libcap.getParent() + "/\n"
        + "RUN cp /bin/sleep /usr/local/bin/server && setcap cap_net_bind_service=+ep /usr/local/bin/server\n"
        + "RUN chmod 0750 /usr/local/bin/server\n"
        + "RUN touch /marked && (setfattr -n user.note -v kept /marked || true)\n");
    Files.copy(setcap, ctx.resolve("setcap"));
    Files.copy(getcap, ctx.resolve("getcap"));
    Files.copy(libcap, ctx.resolve("libcap.so.2"));
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);

    Processes.Result build = lading("store-setcap", "build", "-t", "setcap:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("file capabilities kept: /usr/local/bin/server cap_net_bind_service=ep"),
        build.output());
    List<String> warnings = build.output().lines().filter(l -> l.startsWith("warning: ")).toList();
    assertEquals(1, warnings.size(), build.output());
    assertTrue(warnings.get(0).startsWith("warning: line 6: RUN calls setfattr, but the extended attributes"),
        build.output());

    List<TreeMap<String, String>> layers = layers("store-setcap", "docker.io/library/setcap:1");
    String set = layers.get(3).get("usr/local/bin/server");
    String chmodded = layers.get(4).get("usr/local/bin/server");
    assertTrue(set.startsWith("f 755 0:0 security.capability="), "owned by the step user: " + set);
    assertEquals(set.replace("f 755", "f 750"), chmodded, "chmod keeps the capability");

    // What the layer holds is what the kernel and libcap read: GNU tar puts the attribute back (as
    // root) and the host's getcap reads it.
    if (AsNobody.root()) {
      Path out = Files.createDirectories(shared.resolve("setcap-unpacked"));
      String manifest = Processes.check(List.of("skopeo", "inspect", "--raw",
          "oci:" + shared.resolve("store-setcap") + ":docker.io/library/setcap:1"), 60);
      String digest = Json.mapper().readTree(manifest).get("layers").get(3).get("digest").asText();
      Path blob = shared.resolve("store-setcap/blobs/sha256").resolve(digest.substring("sha256:".length()));
      Processes.check(List.of("tar", "--xattrs", "--xattrs-include=*", "-xf", blob.toString(), "-C",
          out.toString(), "usr/local/bin/server"), 60);
      assertEquals(out.resolve("usr/local/bin/server") + " cap_net_bind_service=ep",
          Processes.check(List.of(getcap.toString(), out.resolve("usr/local/bin/server").toString()), 30).trim());
    }
  }

  @Test
  void copyFromAStageCopiesFifosAndDevicesAsWhatTheyAre() throws IOException {
    // buildah's chroot isolation refuses mknod, so the devices are checked here, not in
    // BuildahParityIT; the minimal base has no mkfifo or mknod, so ADD of a tar makes them.
    Path ctx = context("specials", "FROM BASE AS tools\n"
        + "ADD specials.tar /\n"
        + "FROM BASE\n"
        + "COPY --from=tools --chmod=0640 /pipe /null2 /loop9 /dev-copies/\n"
        + "RUN ls -ln /dev-copies > /listing\n");
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
        Files.newOutputStream(ctx.resolve("specials.tar")))) {
      for (String[] e : new String[][] {{"pipe", "p", "0", "0", "0", "0"}, {"null2", "c", "1", "3", "0", "0"},
          {"loop9", "b", "7", "9", "7", "8"}}) {
        var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(e[0],
            e[1].equals("p") ? org.apache.commons.compress.archivers.tar.TarConstants.LF_FIFO
                : e[1].equals("c") ? org.apache.commons.compress.archivers.tar.TarConstants.LF_CHR
                : org.apache.commons.compress.archivers.tar.TarConstants.LF_BLK);
        entry.setMode(0644);
        entry.setDevMajor(Integer.parseInt(e[2]));
        entry.setDevMinor(Integer.parseInt(e[3]));
        entry.setIds(Integer.parseInt(e[4]), Integer.parseInt(e[5]));
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
    }
    Processes.check(List.of("chmod", "a+r", ctx.resolve("specials.tar").toString()), 60);
    Processes.Result build = lading("store-specials", "build", "-q", "-t", "specials:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    List<TreeMap<String, String>> layers = layers("store-specials", "docker.io/library/specials:1");
    assertEquals("{dev-copies/=d 755 0:0, dev-copies/loop9=b 640 7:8 7,9, dev-copies/null2=c 640 0:0 1,3,"
        + " dev-copies/pipe=p 640 0:0}", layers.get(1).toString());
    Processes.Result listing = lading("store-specials", "run", "specials:1", "--", "cat", "/listing");
    assertEquals(0, listing.exitCode(), listing.output());
    assertTrue(listing.output().contains("brw-r----- 1 7 8 7, 9"), "a later step sees the device: " + listing.output());
    assertTrue(listing.output().contains("prw-r----- 1 0 0"), listing.output());
  }

  @Test
  void anAbsoluteLinkFromALayerLeadsIntoTheImageNotToTheHost() throws IOException {
    // The kernel follows links for fakechroot's programs, from the host's /: a layer's
    // /usr/lib/jvm/.../cacerts -> /etc/ssl/certs/java/cacerts made Java read the host's trust store.
    // The host has no /etc/lading-marker; the image does, behind links from an ADDed tar.
    Path ctx = context("abslinks", "FROM BASE AS first\n"
        + "ADD links.tar /\n"
        + "RUN cat /via-link /via-dir/lading-marker > /seen && readlink /via-link > /target \\\n"
        + "    && ln -s /etc/lading-marker /made-in-run\n"
        + "FROM first\n"
        + "RUN cat /via-link /made-in-run > /seen-in-second-stage\n");
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
        Files.newOutputStream(ctx.resolve("links.tar")))) {
      byte[] marker = "in the image\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      var file = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("etc/lading-marker");
      file.setSize(marker.length);
      file.setMode(0644);
      tar.putArchiveEntry(file);
      tar.write(marker);
      tar.closeArchiveEntry();
      for (String[] link : new String[][] {{"via-link", "/etc/lading-marker"}, {"via-dir", "/etc"}}) {
        var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(link[0],
            org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
        entry.setLinkName(link[1]);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
    }
    Processes.check(List.of("chmod", "a+r", ctx.resolve("links.tar").toString()), 60);
    assertFalse(Files.exists(Path.of("/etc/lading-marker")), "the test needs a host without it");

    Processes.Result build = lading("store-abslinks", "build", "-q", "-t", "abslinks:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    Processes.Result seen = lading("store-abslinks", "run", "-q", "abslinks:1", "--", "cat", "/seen", "/target",
        "/seen-in-second-stage");
    assertEquals("in the image\nin the image\n/etc/lading-marker\nin the image\nin the image\n", seen.output());
    Processes.Result run = lading("store-abslinks", "run", "-q", "abslinks:1", "--", "cat", "/via-link");
    assertEquals("in the image\n", run.output(), "lading run, through the link");
    // The layers hold the links as the image names them, and a step that did not touch a link
    // does not hold it.
    List<TreeMap<String, String>> layers = layers("store-abslinks", "docker.io/library/abslinks:1");
    assertEquals("l 777 0:0 -> /etc/lading-marker", layers.get(1).get("via-link"), layers.get(1).toString());
    assertEquals(java.util.Set.of("made-in-run", "seen", "target"), layers.get(2).keySet());
    assertEquals("l 777 0:0 -> /etc/lading-marker", layers.get(2).get("made-in-run"));
    assertEquals(java.util.Set.of("seen-in-second-stage"), layers.get(3).keySet());
  }

  @Test
  void anExecFormStepSeesItsWorkingDirectoryAsPwd() throws IOException {
    Path ctx = context("pwd", "FROM BASE\n"
        + "WORKDIR /srv/app\n"
        + "RUN [\"/bin/sh\", \"-c\", \"echo exec-form PWD=$PWD\"]\n"
        + "RUN echo shell-form PWD=$PWD\n");
    Processes.Result build = lading("store-pwd", "build", "-t", "pwd:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("  exec-form PWD=/srv/app\n"), build.output());
    assertTrue(build.output().contains("  shell-form PWD=/srv/app\n"), build.output());
  }

  @Test
  void runCopyAndMetadataStepsMakeTheLayersARootBuildWould() throws IOException {
    Path ctx = context("app", "FROM BASE\n"
        + "ARG GREETING=hello\n"
        + "ENV APP_HOME=/opt/app\n"
        + "WORKDIR $APP_HOME\n"
        + "COPY conf/ conf/\n"
        + "COPY --chmod=0755 --chown=1000:1000 run.sh /usr/local/bin/\n"
        + "RUN echo \"$GREETING world\" > greeting.txt && mkdir data && chown 1000:1000 data \\\n"
        + "    && ln -s /etc/passwd pw && ln greeting.txt again && rm /etc/os-release\n"
        + "RUN <<EOF\n"
        + "echo from heredoc > /opt/app/heredoc.txt\n"
        + "EOF\n"
        + "RUN true\n"
        + "USER 1000\n"
        + "CMD [\"/usr/local/bin/run.sh\"]\n");
    Files.createDirectories(ctx.resolve("conf"));
    Files.writeString(ctx.resolve("conf/app.conf"), "setting=1\n");
    Files.writeString(ctx.resolve("conf/secret.key"), "not for the image\n");
    Files.writeString(ctx.resolve(".dockerignore"), "conf/*.key\n");
    Files.writeString(ctx.resolve("run.sh"), "#!/bin/sh\necho \"run.sh says hi as $(id -u)\"\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);

    Processes.Result build = lading("store-a", "build", "-t", "demo:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertTrue(build.output().contains("executor: fakechroot (image and host: glibc"), build.output());
    assertTrue(build.output().contains("built 5 layers into the store as docker.io/library/demo:1"),
        build.output());

    List<TreeMap<String, String>> layers = layers("store-a", "docker.io/library/demo:1");
    assertEquals(6, layers.size(), "base, COPY, COPY, RUN, RUN heredoc, RUN true: " + layers);
    assertEquals("{opt/=d 755 0:0, opt/app/=d 755 0:0, opt/app/conf/=d 755 0:0, opt/app/conf/app.conf=f 644 0:0}",
        layers.get(1).toString(), ".dockerignore keeps the key out");
    assertEquals("f 755 1000:1000", layers.get(2).get("usr/local/bin/run.sh"));
    TreeMap<String, String> run = layers.get(3);
    assertEquals("d 755 1000:1000", run.get("opt/app/data/"), "chown under fakeroot reaches the layer");
    assertEquals("l 777 0:0 -> /etc/passwd", run.get("opt/app/pw"), "the target as written, no host path");
    assertTrue(run.get("opt/app/greeting.txt").startsWith("h ") || run.get("opt/app/again").startsWith("h "),
        "a hardlink stays a hardlink: " + run);
    assertEquals("f 0 0:0", run.get("etc/.wh.os-release"), "a deletion is a whiteout");
    assertTrue(layers.get(4).containsKey("opt/app/heredoc.txt"), layers.get(4).toString());
    assertEquals(0, layers.get(5).size(), "a step that changes nothing still has its (empty) layer");

    Processes.Result started = lading("store-a", "run", "-q", "store:demo:1");
    assertEquals(0, started.exitCode(), started.output());
    assertEquals("run.sh says hi as 1000", started.output().strip());
    Processes.Result inside = lading("store-a", "run", "-q", "store:demo:1", "--", "sh", "-c",
        "cat greeting.txt heredoc.txt; ls /etc/os-release 2>&1 || true");
    assertTrue(inside.output().contains("hello world\nfrom heredoc"), inside.output());
    assertTrue(inside.output().contains("No such file"), inside.output());
  }

  @Test
  void theStepCacheReusesUnchangedStepsAndRunsFromTheFirstChangedOne() throws IOException {
    Path ctx = context("cached", "FROM BASE\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy.txt\n"
        + "COPY b.txt /b.txt\nRUN echo done > /done\n");
    Files.writeString(ctx.resolve("a.txt"), "a\n");
    Files.writeString(ctx.resolve("b.txt"), "b\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    Processes.Result first = lading("store-d", "build", "-t", "cached:1", ctx.toString());
    assertEquals(0, first.exitCode(), first.output());
    Processes.Result again = lading("store-d", "build", "-t", "cached:1", ctx.toString());
    assertEquals(0, again.exitCode(), again.output());
    assertTrue(again.output().contains("built 0 layers (4 from the step cache)"), again.output());
    assertFalse(again.output().contains("executor:"), "nothing ran: " + again.output());
    assertEquals(digest(first), digest(again), "the same inputs give the same image");

    Files.writeString(ctx.resolve("b.txt"), "b changed\n");
    Processes.Result changed = lading("store-d", "build", "-t", "cached:1", ctx.toString());
    assertTrue(changed.output().contains("built 2 layers (2 from the step cache)"), changed.output());
    Processes.Result noCache = lading("store-d", "build", "--no-cache", "-t", "cached:1", ctx.toString());
    assertTrue(noCache.output().contains("built 4 layers into"), noCache.output());
  }

  @Test
  void theCompressionLevelGivesTheSameFilesOtherLayerBytesWithTheirOwnCacheEntries() throws IOException {
    // SOURCE_DATE_EPOCH is not set: the RUN's file has the time it ran, so COPY alone is compared.
    Path ctx = context("level", "FROM BASE\nCOPY numbers /numbers\n");
    Files.writeString(ctx.resolve("numbers"), "0123456789abcdef".repeat(64 * 1024));
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    Processes.Result fast = lading("store-level", "build", "--compression-level", "1", "-t", "level:1", ctx.toString());
    assertEquals(0, fast.exitCode(), fast.output());
    Processes.Result standard = lading("store-level", "build", "-t", "level:6", ctx.toString());
    assertTrue(standard.output().contains("built 1 layer into"), "not the level-1 layer: " + standard.output());
    Processes.Result again = lading("store-level", "build", "--compression-level", "1", "-t", "level:1", ctx.toString());
    assertTrue(again.output().contains("built 0 layers (1 from the step cache)"), again.output());
    assertEquals(digest(fast), digest(again));
    assertNotEquals(digest(fast), digest(standard));

    List<TreeMap<String, String>> one = layers("store-level", "docker.io/library/level:1");
    assertEquals(one, layers("store-level", "docker.io/library/level:6"), "the same entries either way");
    var configOne = Json.mapper().readTree(Processes.check(List.of("skopeo", "inspect", "--raw", "--config",
        "oci:" + shared.resolve("store-level") + ":docker.io/library/level:1"), 60));
    var configSix = Json.mapper().readTree(Processes.check(List.of("skopeo", "inspect", "--raw", "--config",
        "oci:" + shared.resolve("store-level") + ":docker.io/library/level:6"), 60));
    assertEquals(configSix.path("rootfs"), configOne.path("rootfs"), "the same uncompressed layers (diff ids)");

    Processes.Result wrong = lading("store-level", "build", "--compression-level", "12", ctx.toString());
    assertEquals(1, wrong.exitCode(), wrong.output());
    assertTrue(wrong.output().contains("the compression level must be 1 (fastest) to 9 (smallest), not 12"),
        wrong.output());
  }

  @Test
  void aFileNameThatIsNotUtf8FailsTheStepSayingSo() throws IOException {
    // Java reads names as UTF-8 (the launcher sees to the locale): a Latin-1 name cannot reach a layer.
    Path ctx = context("latin1", "FROM BASE\nRUN mkdir /data && echo x > \"/data/caf$(printf '\\351').txt\"\n");
    Processes.Result build = lading("store-latin1", "build", ctx.toString());
    assertEquals(1, build.exitCode(), build.output());
    assertTrue(build.output().contains("a file name that is not UTF-8: /data/caf\uFFFD.txt"), build.output());
    assertTrue(build.output().contains("give it a UTF-8 name"), build.output());
  }

  @Test
  void aCachedRebuildOfSeveralStagesNeitherRunsNorUnpacksAnything() throws IOException {
    Path ctx = context("stages-cached", "FROM BASE AS builder\nRUN echo built > /artifact\n"
        + "FROM BASE\nCOPY --from=builder /artifact /opt/artifact\n");
    Processes.Result first = lading("store-e", "build", "-t", "stages:1", ctx.toString());
    assertEquals(0, first.exitCode(), first.output());
    Processes.Result again = lading("store-e", "build", "-t", "stages:1", ctx.toString());
    assertTrue(again.output().contains("built 0 layers (2 from the step cache)"), again.output());
    assertFalse(again.output().contains("applying layer"), "nothing unpacked: " + again.output());
    assertEquals(digest(first), digest(again));
  }

  @Test
  void aBaseImagesOnbuildTriggersRunRightAfterFromInTheChildBuildAndAreNotPassedOn() throws IOException {
    Path parent = context("onbuild-parent", "FROM BASE\nONBUILD COPY hello.txt /hello.txt\n"
        + "ONBUILD RUN echo x > /x\nRUN echo parent > /parent.txt\n");
    Processes.Result built = lading("store-f", "build", "-t", "parent:1", parent.toString());
    assertEquals(0, built.exitCode(), built.output());
    assertEquals("[\"COPY hello.txt /hello.txt\",\"RUN echo x > /x\"]",
        config("store-f", "docker.io/library/parent:1").path("config").path("OnBuild").toString(),
        "the parent keeps its triggers");

    Path child = context("onbuild-child", "FROM parent:1\nRUN cat /hello.txt /x > /seen.txt\n");
    Files.writeString(child.resolve("hello.txt"), "hello from the child's context\n");
    Processes.check(List.of("chmod", "-R", "a+rX", child.toString()), 60);
    Processes.Result childBuild = lading("store-f", "build", "-t", "child:1", child.toString());
    assertEquals(0, childBuild.exitCode(), childBuild.output());
    String log = childBuild.output();
    assertTrue(log.indexOf("STEP 2/4: COPY hello.txt /hello.txt") > 0
        && log.indexOf("STEP 3/4: RUN echo x > /x") > log.indexOf("STEP 2/4")
        && log.indexOf("STEP 4/4: RUN cat /hello.txt") > log.indexOf("STEP 3/4"),
        "the triggers run after FROM, before the first instruction: " + log);
    List<TreeMap<String, String>> layers = layers("store-f", "docker.io/library/child:1");
    assertEquals(5, layers.size(), "base, parent's RUN, trigger COPY, trigger RUN, child's RUN: " + layers);
    assertEquals("{hello.txt=f 644 0:0}", layers.get(2).toString());
    assertEquals("{x=f 644 0:0}", layers.get(3).toString());
    Processes.Result seen = lading("store-f", "run", "-q", "store:child:1", "--", "cat", "/seen.txt");
    assertEquals("hello from the child's context\nx", seen.output().strip());
    JsonNode childConfig = config("store-f", "docker.io/library/child:1");
    assertTrue(childConfig.path("config").path("OnBuild").isMissingNode(),
        "Docker does not pass triggers on: " + childConfig);
    List<String> history = history(childConfig);
    assertEquals(List.of("COPY hello.txt /hello.txt", "RUN /bin/sh -c echo x > /x",
        "RUN /bin/sh -c cat /hello.txt /x > /seen.txt"), history.subList(history.size() - 3, history.size()),
        "each trigger has the history entry of the instruction it is: " + history);

    Path grandchild = context("onbuild-grandchild", "FROM child:1\nRUN test ! -e /again\n");
    Processes.Result third = lading("store-f", "build", "-t", "grandchild:1", grandchild.toString());
    assertEquals(0, third.exitCode(), third.output());
    assertFalse(third.output().contains("echo x"), "a FROM of the child runs no trigger: " + third.output());
    assertTrue(third.output().contains("STEP 2/2: RUN test"), third.output());
  }

  @Test
  void aStageForAnotherMachineBuildsWithoutRunAndARunThereWithoutAnEmulatorIsRefusedBeforeItRuns()
      throws IOException {
    String other = Platform.current().architecture().equals("arm64") ? "linux/amd64" : "linux/arm64";
    Path copyOnly = context("foreign", "FROM scratch\nCOPY hello.txt /hello.txt\nCMD [\"/hello\"]\n");
    Files.writeString(copyOnly.resolve("hello.txt"), "hello\n");
    Processes.check(List.of("chmod", "-R", "a+rX", copyOnly.toString()), 60);
    Processes.Result built = lading("store-g", "build", "--platform", other, "-t", "foreign:1",
        copyOnly.toString());
    assertEquals(0, built.exitCode(), built.output());
    JsonNode config = config("store-g", "docker.io/library/foreign:1");
    assertEquals(other, config.path("os").asText() + "/" + config.path("architecture").asText());

    Path withRun = context("foreign-run", "FROM foreign:1\nCOPY hello.txt /again.txt\n\nRUN cat /again.txt\n");
    Files.writeString(withRun.resolve("hello.txt"), "hello\n");
    Processes.check(List.of("chmod", "-R", "a+rX", withRun.toString()), 60);
    // A PATH without qemu: as on a host where qemu-user-static is not installed.
    Processes.Result refused = AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve("store-g"),
        "PATH=/nonexistent"), List.of(), "build", "--platform", other, withRun.toString());
    assertEquals(1, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("lading: line 4: RUN cannot run here: the stage's image is for "
        + other + " and this machine is " + Platform.current() + "; no emulator for "
        + other.substring(6) + " is installed. Install qemu's user-mode emulators (apt-get install"
        + " qemu-user-static proot)"), refused.output());
    assertTrue(refused.output().contains("STEP 2/3: COPY"), "the steps before ran: " + refused.output());
    assertFalse(refused.output().contains("executor:"), "nothing ran: " + refused.output());

    Processes.Result fakechroot = lading("store-g", "build", "--platform", other, "--executor", "fakechroot",
        withRun.toString());
    assertEquals(1, fakechroot.exitCode(), fakechroot.output());
    assertTrue(fakechroot.output().contains("line 4: RUN cannot run here") && fakechroot.output().contains(
        "--executor fakechroot cannot run another machine's programs; use --executor proot")
        || fakechroot.output().contains("no emulator for"), fakechroot.output());
  }

  /** The image config of {@code ref} in the store {@code store}. */
  private static JsonNode config(String store, String ref) throws IOException {
    return Json.mapper().readTree(Processes.check(List.of("skopeo", "inspect", "--raw", "--config",
        "oci:" + shared.resolve(store) + ":" + ref), 60));
  }

  /** The created_by of each history entry of a config. */
  private static List<String> history(JsonNode config) {
    List<String> entries = new java.util.ArrayList<>();
    config.path("history").forEach(h -> entries.add(h.path("created_by").asText()));
    return entries;
  }

  private static String digest(Processes.Result build) {
    List<String> lines = build.output().strip().lines().toList();
    return lines.get(lines.size() - 1);
  }

  @Test
  void aFailingRunFailsTheBuildWithItsExitCodeAndLastLines() throws IOException {
    Path ctx = context("failing", "FROM BASE\nRUN echo about to fail && exit 7\n");
    Processes.Result build = lading("store-b", "build", ctx.toString());
    assertEquals(1, build.exitCode(), build.output());
    assertTrue(build.output().contains("lading: line 2: RUN echo about to fail && exit 7 failed with exit code 7"),
        build.output());
    assertTrue(build.output().contains("  about to fail"), build.output());
    assertFalse(build.output().contains("Exception"), build.output());
  }

  @Test
  void aStepEndsWithItsFirstProcessAndWhatItLeftRunningIsKilled() throws IOException {
    for (String executor : List.of("fakechroot", "proot")) {
      // As in a container: the step's status is its shell's, not that of a job it left behind (proot
      // reported whichever process exited last: 0 from the sleep), and nothing it started outlives it.
      Path failing = context("leftovers-failing-" + executor, "FROM BASE\nRUN sleep 600 & exit 3\n");
      Processes.Result failed = lading("store-leftovers", "build", "--executor", executor, failing.toString());
      assertEquals(1, failed.exitCode(), failed.output());
      assertTrue(failed.output().contains("RUN sleep 600 & exit 3 failed with exit code 3"), failed.output());

      // The second job forks twice, as a daemon does, so that whoever adopts orphans gets it.
      Path ctx = context("leftovers-" + executor, "FROM BASE\n"
          + "RUN (sleep 2; echo late > /late) & (sh -c 'sleep 2; echo late > /daemon' &) \\\n"
          + "    ; (sleep 1; exit 5) & echo started\n"
          + "RUN sleep 3; ls / > /listing\n");
      Processes.Result build = lading("store-leftovers", "build", "--executor", executor, "-t", "leftovers:"
          + executor, ctx.toString());
      assertEquals(0, build.exitCode(), build.output());
      Processes.Result listing = lading("store-leftovers", "run", "-q", "leftovers:" + executor, "--", "cat",
          "/listing");
      assertFalse(listing.output().contains("late") || listing.output().contains("daemon"),
          "the first step's jobs wrote nothing during the second: " + listing.output());
    }
  }

  @Test
  void aContextFileTheBuildingUserCannotReadIsNamedWithWhatToDo() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(AsNobody.root(), "needs root to build as nobody");
    Path ctx = context("unreadable", "FROM scratch\nCOPY secret.txt /secret.txt\n");
    Path secret = Files.writeString(ctx.resolve("secret.txt"), "root's");
    Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Processes.Result build = lading("store-unreadable", "build", ctx.toString());
    assertEquals(1, build.exitCode(), build.output());
    assertTrue(build.output().contains("line 2: COPY failed: permission denied: " + secret
        + " (the build runs as nobody, who must be able to read the build context)"), build.output());
    assertFalse(build.output().contains("Exception"), build.output());
  }

  @Test
  void anUnsupportedFlagIsAnErrorNamingTheLine() throws IOException {
    Path ctx = context("mount", "FROM BASE\n\nRUN --device=/dev/fuse true\n");
    Processes.Result build = lading("store-c", "build", ctx.toString());
    assertEquals(1, build.exitCode(), build.output());
    assertTrue(build.output().contains("line 3: RUN --device is not supported"), build.output());
  }

  @Test
  void aSymbolicChmodChangesEachCopiedItemsOwnModeAsChmodWould() throws IOException {
    // Dockerfile 1.14: the reference's own example sets directories to 755 and files to 644 but
    // keeps files executable that were.
    Path ctx = context("chmod", "FROM BASE\nCOPY --chmod=u=rwX,go=rX app/ /app/\nCOPY --chmod=+x app/data.txt /opt/data\n");
    Files.createDirectories(ctx.resolve("app/sub"));
    Files.writeString(ctx.resolve("app/tool.sh"), "#!/bin/sh\n");
    Files.writeString(ctx.resolve("app/data.txt"), "x\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    Processes.check(List.of("chmod", "0744", ctx.resolve("app/tool.sh").toString()), 60);
    Processes.check(List.of("chmod", "0664", ctx.resolve("app/data.txt").toString()), 60);
    Processes.check(List.of("chmod", "0775", ctx.resolve("app/sub").toString()), 60);
    Processes.Result build = lading("store-m", "build", "-t", "chmod:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    List<TreeMap<String, String>> layers = layers("store-m", "docker.io/library/chmod:1");
    assertEquals("{app/=d 755 0:0, app/data.txt=f 644 0:0, app/sub/=d 755 0:0, app/tool.sh=f 755 0:0}",
        layers.get(1).toString());
    assertEquals("f 775 0:0", layers.get(2).get("opt/data"));
  }

  @Test
  void copyParentsKeepsTheDirectoriesOfEachSourceAfterItsPivot() throws IOException {
    // The Dockerfile reference's examples (Dockerfile 1.20), and one from a stage.
    Path ctx = context("parents", "FROM BASE AS build\n"
        + "RUN mkdir -p /work/out/lib && echo l > /work/out/lib/l.so && echo n > /work/out/notes\n"
        + "FROM BASE\n"
        + "COPY ./x/a.txt ./y/a.txt /no_parents/\n"
        + "COPY --parents ./x/a.txt ./y/a.txt /parents/\n"
        + "COPY --parents ./x/./y/*.txt /pivot/\n"
        + "COPY --parents ./src/**/*.txt /deep/\n"
        + "COPY --from=build --parents /work/./out/lib /opt/\n");
    for (String file : List.of("x/a.txt", "y/a.txt", "x/y/a.txt", "x/y/b.txt", "src/a.txt", "src/x/b.txt",
        "src/x/y/c.txt", "src/x/Other.java")) {
      Files.createDirectories(ctx.resolve(file).getParent());
      Files.writeString(ctx.resolve(file), file + "\n");
    }
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    Processes.check(List.of("chmod", "0775", ctx.resolve("src/x").toString()), 60);
    Processes.Result build = lading("store-p", "build", "-t", "parents:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    List<TreeMap<String, String>> layers = layers("store-p", "docker.io/library/parents:1");
    assertEquals("[no_parents/, no_parents/a.txt]", layers.get(1).keySet().toString());
    assertEquals("[parents/, parents/x/, parents/x/a.txt, parents/y/, parents/y/a.txt]",
        layers.get(2).keySet().toString());
    assertEquals("[pivot/, pivot/y/, pivot/y/a.txt, pivot/y/b.txt]", layers.get(3).keySet().toString());
    assertEquals("[deep/, deep/src/, deep/src/a.txt, deep/src/x/, deep/src/x/b.txt, deep/src/x/y/,"
        + " deep/src/x/y/c.txt]", layers.get(4).keySet().toString());
    assertEquals("d 775 0:0", layers.get(4).get("deep/src/x/"), "a directory on the way keeps its mode");
    assertEquals("[opt/, opt/out/, opt/out/lib/, opt/out/lib/l.so]", layers.get(5).keySet().toString());

    Files.writeString(ctx.resolve("src/x/Other.java"), "not copied, not in the key\n");
    Processes.Result again = lading("store-p", "build", "-t", "parents:1", ctx.toString());
    assertTrue(again.output().contains("built 0 layers (6 from the step cache)"), again.output());
  }

  @Test
  void copyExcludeLeavesOutWhatItsPatternsMatchUnderEachSourceAndIsInTheCacheKey() throws IOException {
    // As BuildKit (Dockerfile 1.19): patterns are matched under each source directory, like
    // .dockerignore lines, never against the source itself; ! re-includes.
    Path ctx = context("exclude", "FROM BASE AS build\n"
        + "RUN mkdir -p /out/docs && echo a > /out/a.jar && echo b > /out/docs/b.md && echo t > /out/t.tmp\n"
        + "FROM BASE\n"
        + "COPY --exclude=*.log --exclude=**/*.tmp --exclude=!keep.tmp app/ /app/\n"
        + "COPY --exclude=*.md logs* /logs/\n"
        + "COPY --from=build --exclude=docs --exclude=*.tmp /out /out\n");
    Files.createDirectories(ctx.resolve("app/sub"));
    Files.writeString(ctx.resolve("app/main.log"), "x\n");
    Files.writeString(ctx.resolve("app/run.sh"), "x\n");
    Files.writeString(ctx.resolve("app/keep.tmp"), "x\n");
    Files.writeString(ctx.resolve("app/sub/deep.log"), "not matched by *.log, which stays in one directory\n");
    Files.writeString(ctx.resolve("app/sub/x.tmp"), "x\n");
    Files.writeString(ctx.resolve("logs.md"), "a source itself is never excluded\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    Processes.Result build = lading("store-x", "build", "-t", "excl:1", ctx.toString());
    assertEquals(0, build.exitCode(), build.output());
    List<TreeMap<String, String>> layers = layers("store-x", "docker.io/library/excl:1");
    assertEquals("[app/, app/keep.tmp, app/run.sh, app/sub/, app/sub/deep.log]",
        layers.get(1).keySet().toString(), layers.get(1).toString());
    assertEquals("[logs/, logs/logs.md]", layers.get(2).keySet().toString());
    assertEquals("[out/, out/a.jar]", layers.get(3).keySet().toString());

    Files.writeString(ctx.resolve("app/main.log"), "changed, and excluded\n");
    Processes.Result again = lading("store-x", "build", "-t", "excl:1", ctx.toString());
    assertTrue(again.output().contains("built 0 layers (4 from the step cache)"), again.output());
    Files.writeString(ctx.resolve("Dockerfile"), Files.readString(ctx.resolve("Dockerfile"))
        .replace("--exclude=*.log ", ""));
    Processes.Result other = lading("store-x", "build", "-t", "excl:1", ctx.toString());
    assertTrue(other.output().contains("built 3 layers (1 from the step cache)"), "from the changed step on: "
        + other.output());
    assertTrue(layers("store-x", "docker.io/library/excl:1").get(1).containsKey("app/main.log"));
  }
}
