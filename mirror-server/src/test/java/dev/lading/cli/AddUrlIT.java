package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.testing.FileServer;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADD of an http URL, built as {@code nobody}: the download lands as the layer says (mode, name,
 * the server's Last-Modified time), a rebuild downloads again and reuses the step while the bytes
 * are the same, runs it when they changed, and with {@code --checksum} needs no download at all
 * (the server may be gone) and fails on a file that does not match.
 */
class AddUrlIT {
  @TempDir static Path shared;
  private static Path jar;
  private static String base;

  @BeforeAll
  static void makeABaseImage() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("skopeo", "skopeo");
    jar = AsNobody.jar(shared);
    base = AsNobody.baseImage("minimal", shared.resolve("bases"));
  }

  private static Processes.Result lading(String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve("store")), List.of(), args);
  }

  private static Path context(String name, String dockerfile) throws IOException {
    Path dir = Files.createDirectories(shared.resolve(name));
    Files.writeString(dir.resolve("Dockerfile"), dockerfile.replace("BASE", base));
    Processes.check(List.of("chmod", "-R", "a+rX", dir.toString()), 60);
    return dir;
  }

  @Test
  void aDownloadIsInTheLayerAndTheStepCacheFollowsItsBytes() throws IOException {
    byte[] agent = "agent v1\n".getBytes(StandardCharsets.UTF_8);
    Instant modified = Instant.parse("2024-05-06T07:08:09Z");
    try (FileServer server = FileServer.start().file("/dl/agent.jar", agent, modified)) {
      Path ctx = context("plain", "FROM BASE\nADD " + server.url("/dl/agent.jar") + " /opt/agent/\n");
      Processes.Result built = lading("build", "-t", "url:1", ctx.toString());
      assertEquals(0, built.exitCode(), built.output());
      assertTrue(built.output().contains("downloaded " + server.url("/dl/agent.jar") + " (9 bytes, "
          + Digest.of(agent) + ")"), built.output());
      TreeMap<String, String> layer = LayerListing.layers(shared.resolve("store"), "docker.io/library/url:1").get(1);
      assertEquals("f 600 0:0", layer.get("opt/agent/agent.jar"), layer.toString());
      Path rootfs = shared.resolve("unpacked");
      Processes.Result unpacked = lading("unpack", "-q", "store:url:1", rootfs.toString());
      assertEquals(0, unpacked.exitCode(), unpacked.output());
      assertEquals("agent v1\n", Files.readString(rootfs.resolve("opt/agent/agent.jar")));
      assertEquals(modified, Files.getLastModifiedTime(rootfs.resolve("opt/agent/agent.jar")).toInstant(),
          "the server's Last-Modified time");

      Processes.Result again = lading("build", "-t", "url:1", ctx.toString());
      assertTrue(again.output().contains("built 0 layers (1 from the step cache)"), again.output());
      assertEquals(2, server.gets("/dl/agent.jar"), "downloaded again to see whether it changed");
      server.file("/dl/agent.jar", "agent v2\n".getBytes(StandardCharsets.UTF_8), modified);
      Processes.Result changed = lading("build", "-t", "url:1", ctx.toString());
      assertTrue(changed.output().contains("built 1 layer into the store"), changed.output());

      // A URL counts among the sources: with a context file too, the destination must be a directory.
      Path two = context("two", "FROM BASE\nADD " + server.url("/dl/agent.jar") + " Dockerfile /opt/both\n");
      Processes.Result notDirectory = lading("build", two.toString());
      assertEquals(1, notDirectory.exitCode(), notDirectory.output());
      assertTrue(notDirectory.output().contains("with more than one source, ADD's destination must be a directory"
          + " and end with a /: write /opt/both/"), notDirectory.output());
      Files.writeString(two.resolve("Dockerfile"), ("FROM BASE\nADD " + server.url("/dl/agent.jar")
          + " Dockerfile /opt/both/\n").replace("BASE", base));
      Processes.Result both = lading("build", "-t", "url:2", two.toString());
      assertEquals(0, both.exitCode(), both.output());
      TreeMap<String, String> bothLayer = LayerListing.layers(shared.resolve("store"), "docker.io/library/url:2")
          .get(1);
      assertTrue(bothLayer.containsKey("opt/both/agent.jar") && bothLayer.containsKey("opt/both/Dockerfile"),
          bothLayer.toString());

      Path missing = context("missing", "FROM BASE\nADD " + server.url("/dl/nope.jar") + " /opt/\n");
      Processes.Result failed = lading("build", missing.toString());
      assertEquals(1, failed.exitCode(), failed.output());
      assertTrue(failed.output().contains("GET " + server.url("/dl/nope.jar") + ": the server answered 404"
          + " (not found): check the URL"), failed.output());
    }
  }

  @Test
  void withAChecksumACachedStepNeedsNoDownloadAndAWrongFileFails() throws IOException {
    byte[] tool = "tool\n".getBytes(StandardCharsets.UTF_8);
    String dockerfile;
    Path ctx;
    try (FileServer server = FileServer.start().file("/tool", tool, null)) {
      dockerfile = "FROM BASE\nADD --checksum=" + Digest.of(tool) + " " + server.url("/tool") + " /usr/local/bin/tool\n";
      ctx = context("checksum", dockerfile);
      Processes.Result built = lading("build", "-t", "checked:1", ctx.toString());
      assertEquals(0, built.exitCode(), built.output());
      assertEquals("f 600 0:0", LayerListing.layers(shared.resolve("store"), "docker.io/library/checked:1")
          .get(1).get("usr/local/bin/tool"));

      server.file("/tool", "tampered\n".getBytes(StandardCharsets.UTF_8), null);
      Processes.Result tampered = lading("build", "--no-cache", ctx.toString());
      assertEquals(1, tampered.exitCode(), tampered.output());
      assertTrue(tampered.output().contains("the download's digest is " + Digest.of("tampered\n"
          .getBytes(StandardCharsets.UTF_8)) + ", not the --checksum " + Digest.of(tool)), tampered.output());
    }
    // The server is gone: the step is known by its checksum.
    Processes.Result offline = lading("build", "-t", "checked:1", ctx.toString());
    assertEquals(0, offline.exitCode(), offline.output());
    assertTrue(offline.output().contains("built 0 layers (1 from the step cache)"), offline.output());
  }

  @Test
  void unpackExtractsADownloadedArchiveAndFalseLeavesALocalOneAsItIs() throws IOException {
    // ADD --unpack (Dockerfile 1.17): by default a local tar is extracted and a downloaded one not.
    Path ctx = context("unpack", "FROM BASE\n");
    Path tree = Files.createDirectories(shared.resolve("dist/bin"));
    Files.writeString(tree.resolve("tool"), "tool\n");
    Processes.check(List.of("tar", "-czf", ctx.resolve("app.tar.gz").toString(), "-C",
        tree.getParent().toString(), "bin"), 60);
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString()), 60);
    try (FileServer server = FileServer.start().file("/app.tar.gz",
        Files.readAllBytes(ctx.resolve("app.tar.gz")), null)) {
      String url = server.url("/app.tar.gz");
      Files.writeString(ctx.resolve("Dockerfile"), ("FROM BASE\n"
          + "ADD --unpack=true " + url + " /opt/dist/\n"
          + "ADD --unpack=false app.tar.gz /opt/raw/\n"
          + "ADD app.tar.gz /opt/default/\n"
          + "ADD " + url + " /opt/url/\n").replace("BASE", base));
      Processes.Result built = lading("build", "-t", "unpack:1", ctx.toString());
      assertEquals(0, built.exitCode(), built.output());
      List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve("store"),
          "docker.io/library/unpack:1");
      assertTrue(layers.get(1).containsKey("opt/dist/bin/tool"), layers.get(1).toString());
      assertTrue(layers.get(2).containsKey("opt/raw/app.tar.gz"), layers.get(2).toString());
      assertTrue(layers.get(3).containsKey("opt/default/bin/tool"), layers.get(3).toString());
      assertTrue(layers.get(4).containsKey("opt/url/app.tar.gz"), layers.get(4).toString());
    }
  }

  /** A bare repository's files served as git's dumb http protocol reads them, at {@code /repo.git}. */
  private static void serveRepository(FileServer server, Path bare) throws IOException {
    Processes.check(List.of("git", "-C", bare.toString(), "update-server-info"), 60);
    try (var files = Files.walk(bare)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        server.file("/repo.git/" + bare.relativize(f), Files.readAllBytes(f), null);
      }
    }
  }

  private static void git(Path dir, String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of("env", "GIT_COMMITTER_DATE=2024-01-02T03:04:05Z",
        "git", "-C", dir.toString(), "-c", "user.email=t@t", "-c", "user.name=t"));
    command.addAll(List.of(args));
    Processes.check(command, 60);
  }

  @Test
  void aGitRepositoryIsAddedAtTheCommitItsRefNamesAndTheCacheFollowsTheRef() throws IOException {
    RequiredTool.require("git", "git");
    Path work = Files.createDirectories(shared.resolve("git-work"));
    git(work, "init", "-q", "-b", "main");
    Files.createDirectories(work.resolve("docs"));
    Files.createDirectories(work.resolve("bin"));
    Files.writeString(work.resolve("README"), "one\n");
    Files.writeString(work.resolve("docs/a.md"), "doc\n");
    Files.writeString(work.resolve("bin/tool"), "#!/bin/sh\n");
    Processes.check(List.of("chmod", "0755", work.resolve("bin/tool").toString()), 60);
    Processes.check(List.of("chmod", "0600", work.resolve("README").toString()), 60); // git keeps no such mode
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "one");
    git(work, "tag", "v1");
    Path bare = shared.resolve("repo.git");
    Processes.check(List.of("git", "clone", "-q", "--bare", work.toString(), bare.toString()), 60);
    try (FileServer server = FileServer.start()) {
      serveRepository(server, bare);
      String repo = server.url("/repo.git");
      Path ctx = context("git", "FROM BASE\nADD " + repo + " /src\nADD " + repo + "#v1:docs /docs/\n"
          + "ADD --keep-git-dir " + repo + "#main /kept/\nADD " + repo + "?tag=v1&subdir=docs /query/\n");
      Processes.Result built = lading("build", "-t", "git:1", ctx.toString());
      assertEquals(0, built.exitCode(), built.output());
      List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve("store"), "docker.io/library/git:1");
      assertEquals("{src/=d 755 0:0, src/README=f 644 0:0, src/bin/=d 755 0:0, src/bin/tool=f 755 0:0,"
          + " src/docs/=d 755 0:0, src/docs/a.md=f 644 0:0}", layers.get(1).toString(), "no .git, git's modes");
      assertEquals("{docs/=d 755 0:0, docs/a.md=f 644 0:0}", layers.get(2).toString());
      assertTrue(layers.get(3).containsKey("kept/.git/HEAD"), layers.get(3).toString());
      assertEquals("{query/=d 755 0:0, query/a.md=f 644 0:0}", layers.get(4).toString(), "BuildKit's query form");
      Path rootfs = shared.resolve("git-unpacked");
      assertEquals(0, lading("unpack", "-q", "store:git:1", rootfs.toString()).exitCode());
      assertEquals(java.time.Instant.parse("2024-01-02T03:04:05Z"),
          Files.getLastModifiedTime(rootfs.resolve("src/README")).toInstant(), "the commit's time");

      Processes.Result again = lading("build", "-t", "git:1", ctx.toString());
      assertTrue(again.output().contains("built 0 layers (4 from the step cache)"), again.output());
      Files.writeString(work.resolve("README"), "two\n");
      git(work, "commit", "-q", "-am", "two");
      git(work, "push", "-q", bare.toString(), "main");
      serveRepository(server, bare);
      Processes.Result moved = lading("build", "-t", "git:1", ctx.toString());
      assertEquals(0, moved.exitCode(), moved.output());
      assertTrue(moved.output().contains("built 4 layers into"), "main moved: " + moved.output());

      Path missing = context("git-missing", "FROM BASE\nADD " + repo + "#nope /src\n");
      Processes.Result failed = lading("build", missing.toString());
      assertEquals(1, failed.exitCode(), failed.output());
      assertTrue(failed.output().contains("the repository has no branch or tag nope"), failed.output());
      Path wrong = context("git-checksum", "FROM BASE\nADD " + repo + "?branch=main&checksum=0000000 /src\n");
      Processes.Result mismatch = lading("build", wrong.toString());
      assertEquals(1, mismatch.exitCode(), mismatch.output());
      assertTrue(mismatch.output().contains("not the checksum 0000000; the ref moved, or the checksum is wrong"),
          mismatch.output());
    }
  }
}
