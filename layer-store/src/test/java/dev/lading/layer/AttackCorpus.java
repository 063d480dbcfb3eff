package dev.lading.layer;

import static dev.lading.layer.TestTars.tar;

import dev.lading.digest.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Hostile layers, generated at test time against a sandbox: {@code sandbox/root} is where layers are
 * applied and {@code sandbox/outside} (a sibling holding a sentinel file) must never change. Each attack
 * records whether GNU tar (default options, and with {@code -P}) and a naive extraction loop escape,
 * as observed with GNU tar 1.34 (checked by {@link NaiveExtractionComparisonTest}). Whiteout attacks
 * "escape" GNU tar because it knows no whiteouts and writes the {@code .wh.} marker file itself through
 * the symlink left by the previous layer.
 */
final class AttackCorpus {
  private AttackCorpus() {}

  /** What a tool does with an attack. */
  enum Outcome { ESCAPES, BLOCKED }

  /** One attack: the layers to apply in order, and how other extractors fare. */
  record Attack(String name, List<byte[]> layers, Outcome gnuTar, Outcome gnuTarAbsoluteNames,
      Outcome naiveLoop) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A sandbox with an empty root and a sibling outside directory holding a sentinel. */
  record Sandbox(Path root, Path outside) {
    static Sandbox create(Path dir) throws IOException {
      Path root = Files.createDirectories(dir.resolve("root"));
      Path outside = Files.createDirectories(dir.resolve("outside"));
      Files.writeString(outside.resolve("secret"), "secret");
      Files.setPosixFilePermissions(outside.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
      Files.createDirectories(outside.resolve("sub"));
      Files.writeString(outside.resolve("sub/file"), "file");
      return new Sandbox(root, outside);
    }

    /** Everything observable about the outside tree: types, contents, modes, link counts, mtimes. */
    Map<String, String> outsideSnapshot() throws IOException {
      Map<String, String> snapshot = new TreeMap<>();
      snapshot.put(".", describe(outside));
      try (Stream<Path> walk = Files.walk(outside)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          snapshot.put(outside.relativize(p).toString(), describe(p));
        }
      }
      return snapshot;
    }

    private static String describe(Path p) throws IOException {
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,nlink,uid,gid,lastModifiedTime,size",
          LinkOption.NOFOLLOW_LINKS);
      String content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Digest.of(p).shortHex() : "";
      return a.get("mode") + "/" + a.get("nlink") + "/" + a.get("uid") + ":" + a.get("gid") + "/"
          + a.get("lastModifiedTime") + "/" + a.get("size") + "/" + content;
    }
  }

  static List<Attack> attacks(Sandbox sandbox) {
    String out = sandbox.outside().toString();
    Outcome e = Outcome.ESCAPES;
    Outcome b = Outcome.BLOCKED;
    return List.of(
        new Attack("dotdot-name", List.of(tar().file("../outside/pwned", "x").bytes()), b, e, e),
        new Attack("absolute-name", List.of(tar().file(out + "/pwned", "x").bytes()), b, e, e),
        new Attack("symlink-parent-absolute",
            List.of(tar().symlink("evil", out).file("evil/pwned", "x").bytes()), b, e, e),
        new Attack("symlink-parent-relative",
            List.of(tar().symlink("evil", "../outside").file("evil/pwned", "x").bytes()), b, e, e),
        new Attack("symlink-parent-chained",
            List.of(tar().symlink("a", "b").symlink("b", "c/../../outside").dir("c", 0755)
                .file("a/pwned", "x").bytes()), b, e, e),
        new Attack("write-through-final-symlink",
            List.of(tar().symlink("evil", "../outside/secret").file("evil", "pwned").bytes()), b, b, e),
        new Attack("hardlink-dotdot", List.of(tar().hardlink("link", "../outside/secret").bytes()), b, e, e),
        new Attack("hardlink-absolute", List.of(tar().hardlink("link", out + "/secret").bytes()), b, e, e),
        new Attack("hardlink-through-symlink",
            List.of(tar().symlink("evil", "../outside").hardlink("link", "evil/secret").bytes()), b, e, e),
        new Attack("directory-replaced-by-symlink-in-later-layer",
            List.of(tar().dir("d", 0755).bytes(), tar().symlink("d", "../outside").bytes(),
                tar().file("d/pwned", "x").bytes()), e, e, e),
        new Attack("chmod-through-symlinked-directory",
            List.of(tar().symlink("evil", out).bytes(), tar().dir("evil", 0777).bytes()), b, b, e),
        new Attack("whiteout-through-symlink",
            List.of(tar().symlink("evil", out).bytes(), tar().file("evil/.wh.secret", "").bytes()), e, e, e),
        new Attack("opaque-whiteout-through-symlink",
            List.of(tar().symlink("evil", out).bytes(), tar().file("evil/.wh..wh..opq", "").bytes()), e, e, e),
        new Attack("whiteout-dotdot",
            List.of(tar().file("../outside/.wh.secret", "").bytes()), b, e, e),
        new Attack("symlink-named-dot",
            List.of(tar().symlink(".", out).file("pwned", "x").bytes()), b, b, b),
        new Attack("symlink-named-dotdot",
            List.of(tar().symlink("..", out).file("../pwned", "x").bytes()), b, b, b));
  }
}
