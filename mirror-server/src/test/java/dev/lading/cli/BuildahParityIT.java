package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lading.testing.FileServer;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference for what RUN and COPY layers hold: the same Dockerfiles built by {@code lading build}
 * as {@code nobody} and by buildah as root ({@code bud --layers --isolation chroot}, vfs storage);
 * every layer the steps make must hold the same paths, types, modes, owners, link targets and
 * extended attributes (file capabilities), timestamps aside. The Dockerfiles are in
 * src/test/resources/buildah-parity; "debian" runs apt-get, useradd and setcap on a Debian 12 base,
 * "debian11" and "debian13" the same on Debian 11 and 13, "capabilities" copies files with
 * capabilities from a stage (these need Debian's archive).
 */
class BuildahParityIT {
  /**
   * What buildah 1.28's chroot isolation leaves in a RUN layer that a container never sees: the empty
   * files it bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf onto (newer buildah removes
   * them). They are left out of the comparison, with /etc when they are all it changed there.
   */
  private static final Set<String> BUILDAH_MOUNT_FILES = Set.of("etc/hostname", "etc/hosts", "etc/resolv.conf");

  @TempDir static Path shared;
  private static Path jar;
  private static String minimalBase;
  /** What urls.Dockerfile downloads (URLBASE in it is this server's address). */
  private static FileServer files;

  @BeforeAll
  static void setUp() throws IOException {
    RequiredTool.require("buildah", "buildah");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("zstd", "zstd");
    Assumptions.assumeTrue(RequiredTool.isCi() || AsNobody.root(), "buildah's vfs chroot builds need root");
    jar = AsNobody.jar(shared);
    minimalBase = AsNobody.baseImage("minimal", shared.resolve("bases"));
    Path tar = shared.resolve("app.tar.gz");
    Files.writeString(Files.createDirectories(shared.resolve("app")).resolve("inside"), "in a tar\n");
    Processes.check(List.of("tar", "-czf", tar.toString(), "-C", shared.toString(), "app"), 120);
    files = FileServer.start()
        .file("/files/agent.jar", "agent bytes\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            java.time.Instant.parse("2024-05-06T07:08:09Z"))
        .file("/files/app.tar.gz", Files.readAllBytes(tar), null)
        .redirect("/redirect", "/files/agent.jar");
  }

  @org.junit.jupiter.api.AfterAll
  static void stopTheFileServer() {
    if (files != null) {
      files.close();
    }
  }

  /**
   * The minimal base for most; for apt-get, Debian 12 (the host's glibc: the host's fakechroot),
   * Debian 11 (an older glibc: its own fakechroot) and Debian 13 (a newer glibc: proot with its own
   * libfakeroot), made by debootstrap and shared with DebianBuildIT.
   */
  private static String base(String name) throws IOException {
    Path bases = Path.of(System.getProperty("java.io.tmpdir"), "lading-it-bases");
    return switch (name) {
      case "debian", "capabilities" -> AsNobody.baseImage("bookworm", bases);
      case "debian11" -> AsNobody.baseImage("bullseye", bases);
      case "debian13" -> AsNobody.baseImage("trixie", bases);
      default -> minimalBase;
    };
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"files", "links", "owners", "users", "copies", "mounts", "urls", "stages", "debian", "debian11",
      "debian13", "capabilities"})
  void ourLayersHoldWhatBuildahsHold(String name) throws IOException {
    Path ctx = Files.createDirectories(shared.resolve(name));
    Path resources = Path.of("src/test/resources/buildah-parity");
    Files.writeString(ctx.resolve("Dockerfile"),
        Files.readString(resources.resolve((name.startsWith("debian") ? "debian" : name) + ".Dockerfile"))
            .replace("URLBASE", files.url("")).replace("BASE", base(name)));
    Files.copy(resources.resolve("ctx.txt"), ctx.resolve("ctx.txt"), StandardCopyOption.REPLACE_EXISTING);
    if (name.equals("copies")) {
      copiesContext(ctx);
    }
    Processes.check(List.of("chmod", "-R", "a+rX", shared.toString()), 60);
    Processes.check(List.of("chmod", "0644", ctx.resolve("ctx.txt").toString()), 60);
    if (name.equals("copies")) {
      Processes.check(List.of("chmod", "4755", ctx.resolve("dir/a").toString()), 60);
      Processes.check(List.of("chmod", "3775", ctx.resolve("dir/sub").toString()), 60);
      Processes.check(List.of("chmod", "0775", ctx.resolve("ign/logs").toString()), 60);
    }

    Path storage = shared.resolve(name + "-buildah");
    // The ITs point credential lookups at a file that does not exist; buildah refuses that, and needs none.
    List<String> buildah = List.of("env", "-u", "REGISTRY_AUTH_FILE", "-u", "DOCKER_CONFIG", "buildah",
        "--storage-driver", "vfs", "--root", storage + "/root", "--runroot", storage + "/run");
    List<String> bud = new ArrayList<>(buildah);
    bud.addAll(List.of("bud", "--layers", "--isolation", "chroot", "-q", "-t", name, "-f",
        ctx.resolve("Dockerfile").toString(), ctx.toString()));
    List<String> push = new ArrayList<>(buildah);
    push.addAll(List.of("push", "-q", name, "oci:" + storage.resolve("out") + ":x"));
    // The two builds share nothing but the context, which neither writes: buildah's runs beside ours,
    // which halves the Debian cases' time (mostly apt waiting on the network) in CI.
    CompletableFuture<Void> reference = CompletableFuture.runAsync(() -> {
      try {
        Processes.check(bud, 600);
        Processes.check(push, 300);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });

    Path ours = shared.resolve(name + "-store");
    Processes.Result built = AsNobody.lading(jar, List.of("LADING_STORE=" + ours), List.of(), "build", "-q",
        "-t", name + ":1", ctx.toString());
    reference.join();
    assertEquals(0, built.exitCode(), built.output());

    List<TreeMap<String, String>> theirs = LayerListing.layers(storage.resolve("out"), "x");
    List<TreeMap<String, String>> mine = LayerListing.layers(ours, "docker.io/library/" + name + ":1");
    assertEquals(theirs.size(), mine.size(), "layer count: buildah " + theirs + "\nlading " + mine);
    for (int i = 0; i < theirs.size(); i++) {
      assertEquals(withoutBuildahArtifacts(theirs.get(i), mine.get(i)), mine.get(i), name + ", layer " + i);
    }
  }

  /**
   * The context of copies.Dockerfile: a directory with a file that will be set-user-ID and a
   * subdirectory that will be set-group-ID and sticky (modes set after the a+rX above), a link, a
   * hardlink, a tar (with a hardlink in it) whose entries belong to 123:456, and a directory that .dockerignore leaves out but for one
   * file (its mode, 0775, set after a+rX too).
   */
  private static void copiesContext(Path ctx) throws IOException {
    Files.createDirectories(ctx.resolve("ign/logs"));
    Files.writeString(ctx.resolve("ign/logs/x.log"), "x\n");
    Files.writeString(ctx.resolve("ign/logs/keep.log"), "keep\n");
    Files.writeString(ctx.resolve("ign/top.txt"), "top\n");
    Files.writeString(ctx.resolve(".dockerignore"), "ign/logs\n!ign/logs/keep.log\n");
    Files.createDirectories(ctx.resolve("dir/sub"));
    Files.writeString(ctx.resolve("dir/a"), "one\n");
    Files.writeString(ctx.resolve("dir/sub/b"), "two\n");
    Files.deleteIfExists(ctx.resolve("dir/link"));
    Files.createSymbolicLink(ctx.resolve("dir/link"), Path.of("a"));
    Files.deleteIfExists(ctx.resolve("dir/sub/hard"));
    Files.createLink(ctx.resolve("dir/sub/hard"), ctx.resolve("dir/a"));
    Path tree = Files.createDirectories(ctx.resolveSibling("copies-tar/t/d"));
    Files.writeString(tree.resolve("f"), "in\n");
    Files.deleteIfExists(tree.resolve("g"));
    Files.createLink(tree.resolve("g"), tree.resolve("f"));
    Files.deleteIfExists(tree.resolveSibling("l"));
    Files.createSymbolicLink(tree.resolveSibling("l"), Path.of("d/f"));
    Processes.check(List.of("tar", "--numeric-owner", "--owner=123", "--group=456", "-C",
        tree.getParent().getParent().toString(), "-cf", ctx.resolve("arch.tar").toString(), "t"), 60);
    Processes.check(List.of("tar", "--numeric-owner", "--owner=123", "--group=456", "-C",
        tree.getParent().getParent().toString(), "-cJf", ctx.resolve("arch.tar.xz").toString(), "t"), 60);
    Processes.check(List.of("tar", "--numeric-owner", "--owner=123", "--group=456", "-C",
        tree.getParent().getParent().toString(), "-cjf", ctx.resolve("arch.tar.bz2").toString(), "t"), 60);
    Processes.check(List.of("tar", "--numeric-owner", "--owner=123", "--group=456", "--zstd", "-C",
        tree.getParent().getParent().toString(), "-cf", ctx.resolve("arch.tar.zst").toString(), "t"), 60);
    Processes.check(List.of("sh", "-c", "echo hello | gzip -n > " + ctx.resolve("text.gz")), 60);
    Files.writeString(ctx.resolve("target"), "t\n");
    Files.deleteIfExists(ctx.resolve("toplink"));
    Files.createSymbolicLink(ctx.resolve("toplink"), Path.of("target"));
  }

  /** Buildah's layer without its mount files, where ours has none (a base may hold real ones). */
  private static TreeMap<String, String> withoutBuildahArtifacts(TreeMap<String, String> layer,
      TreeMap<String, String> ours) {
    TreeMap<String, String> out = new TreeMap<>(layer);
    BUILDAH_MOUNT_FILES.stream().filter(f -> !ours.containsKey(f)).forEach(out::remove);
    boolean etcOnlyForThem = out.keySet().stream().noneMatch(p -> p.startsWith("etc/") && !p.equals("etc/"));
    if (etcOnlyForThem && !ours.containsKey("etc/")) {
      out.remove("etc/");
    }
    return out;
  }

}
