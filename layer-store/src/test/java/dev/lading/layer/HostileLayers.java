package dev.lading.layer;

import static dev.lading.layer.ExpectedTree.tree;
import static dev.lading.layer.RawTar.raw;
import static dev.lading.layer.RawTar.records;
import static dev.lading.layer.RawTar.utf8;
import static dev.lading.layer.TestTars.tar;

import dev.lading.digest.Digest;
import dev.lading.model.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Every class of layer an attacker or a broken builder produces, generated at test time (no checked-in
 * binaries), each with what unpacking it must do: extract what a container runtime would see, or refuse
 * with one line naming the entry and the layer. Cases are built for a given {@code victim}: a directory
 * beside the unpack target that absolute names and links aim at, and that must never change. The
 * in-process {@link AttackCorpus} attacks are all here too, for the CLI; this adds what needs raw header
 * bytes (GNU long records, PAX, non-UTF-8 names, broken blobs) and the expected trees.
 */
public final class HostileLayers {
  private HostileLayers() {}

  /** What unpacking a case must do. */
  public enum Outcome {
    EXTRACTED,
    REFUSED,
    /** Either is right (a byte-exact name or a clear refusal; never a different name). */
    EXTRACTED_OR_REFUSED
  }

  /** One layer blob as an image holds it: media type, bytes, and the digest of its uncompressed tar. */
  public record Layer(String mediaType, byte[] blob, Digest diffId) {
    static Layer gzip(byte[] tar) {
      return new Layer(MediaTypes.OCI_LAYER_GZIP, gzipBytes(tar), Digest.of(tar));
    }

    /** A blob that is not what its diff_id says (truncated, corrupt): the extractor must catch it. */
    static Layer broken(String mediaType, byte[] blob, byte[] intendedTar) {
      return new Layer(mediaType, blob, Digest.of(intendedTar));
    }

    public Digest digest() {
      return Digest.of(blob);
    }
  }

  /**
   * A named case: its layers in order, the outcome, the tree a runtime would see (when extracted), how
   * a refusal may spell the entry at fault besides naming the layer (any one of these; none when the
   * layer as a whole is at fault), the layer at fault (index), and extra CLI arguments.
   */
  public record Case(String name, List<Layer> layers, Outcome outcome, ExpectedTree tree,
      List<String> refusalMentions, int failingLayer, List<String> extraArgs) {
    @Override
    public String toString() {
      return name;
    }

    /** Writes a minimal OCI layout (config, manifest, layer blobs, index naming it {@code ref}). */
    public void writeLayout(Path dir, String ref) throws IOException {
      Files.createDirectories(dir.resolve("blobs/sha256"));
      Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      StringBuilder diffIds = new StringBuilder();
      StringBuilder layerDescriptors = new StringBuilder();
      for (Layer layer : layers) {
        diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(layer.diffId()).append('"');
        layerDescriptors.append(layerDescriptors.length() == 0 ? "" : ",")
            .append(descriptor(layer.mediaType(), blob(dir, layer.blob())));
      }
      String config = "{\"architecture\":\"" + currentArchitecture() + "\",\"os\":\"linux\","
          + "\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}";
      byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
      String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
          + "\"config\":" + descriptor(MediaTypes.OCI_CONFIG, blob(dir, configBytes)) + ","
          + "\"layers\":[" + layerDescriptors + "]}";
      byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
      String entry = descriptor(MediaTypes.OCI_MANIFEST, blob(dir, manifestBytes));
      Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":["
          + entry.substring(0, entry.length() - 1)
          + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + ref + "\"}}]}");
    }

    private static byte[] blob(Path dir, byte[] bytes) throws IOException {
      Files.write(dir.resolve("blobs/sha256").resolve(Digest.of(bytes).hex()), bytes);
      return bytes;
    }

    private static String descriptor(String mediaType, byte[] bytes) {
      return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digest.of(bytes) + "\",\"size\":"
          + bytes.length + "}";
    }

    private static String currentArchitecture() {
      String arch = System.getProperty("os.arch");
      return switch (arch) {
        case "amd64", "x86_64" -> "amd64";
        case "aarch64", "arm64" -> "arm64";
        default -> arch;
      };
    }
  }

  /** How many bytes the bomb expands to, and the limit the test gives the CLI. */
  public static final long BOMB_BYTES = 32L << 20;
  public static final long BOMB_LIMIT = 1L << 20;
  private static volatile byte[] bomb;

  /** Every case, aimed at {@code victim} (an absolute directory beside the unpack target). */
  public static List<Case> cases(Path victim) {
    String v = victim.toAbsolutePath().toString();
    String vIn = v.substring(1); // where an absolute name lands inside the root
    String name = victim.getFileName().toString();
    String up = "../" + name; // the victim, relative to the root
    List<Case> c = new ArrayList<>();

    // Names that climb out or are absolute are taken relative to the root, as runtimes do.
    c.add(extracted("dotdot-name", tree().file(name + "/pwned", "x"),
        tar().file(up + "/pwned", "x")));
    c.add(extracted("dotdot-after-directory", tree().file(name + "/pwned", "x"),
        tar().file("a/../../../../" + name + "/pwned", "x")));
    c.add(extracted("absolute-name", tree().file(vIn + "/pwned", "x"), tar().file(v + "/pwned", "x")));
    String longTail = "/pwned-" + "l".repeat(120);
    c.add(extracted("gnu-longname-dotdot", tree().file(name + longTail, "x"),
        raw().gnuLong('L', utf8(up + longTail)).entry(utf8("ignored"), '0', 0644, new byte[0], utf8("x"),
            true).bytes()));
    c.add(extracted("gnu-longname-absolute", tree().file(vIn + longTail, "x"),
        raw().gnuLong('L', utf8(v + longTail)).entry(utf8("ignored"), '0', 0644, new byte[0], utf8("x"),
            true).bytes()));
    c.add(extracted("pax-path-dotdot", tree().file(name + "/pwned", "x"),
        raw().pax('x', records("path", up + "/pwned")).file("harmless", "x").bytes()));
    c.add(extracted("pax-path-absolute", tree().file(vIn + "/pwned", "x"),
        raw().pax('x', records("path", v + "/pwned")).file("harmless", "x").bytes()));
    c.add(extracted("pax-linkpath-symlink-outside",
        tree().symlink("evil", v).file(vIn + "/pwned", "x"),
        raw().pax('x', records("linkpath", v)).symlink(utf8("evil"), utf8("harmless"))
            .file("evil/pwned", "x").bytes()));

    // Symlinks are followed as if the root were "/": whatever they point at lands inside.
    c.add(extracted("symlink-absolute-parent", tree().symlink("evil", v).file(vIn + "/pwned", "x"),
        tar().symlink("evil", v).file("evil/pwned", "x")));
    c.add(extracted("symlink-relative-parent", tree().symlink("evil", up).file(name + "/pwned", "x"),
        tar().symlink("evil", up).file("evil/pwned", "x")));
    c.add(extracted("symlink-chained",
        tree().symlink("a", "b").symlink("b", "c/../../" + name).dir("c").file(name + "/pwned", "x"),
        tar().symlink("a", "b").symlink("b", "c/../../" + name).dir("c", 0755).file("a/pwned", "x")));
    c.add(extracted("symlink-replaces-directory-of-earlier-layer",
        tree().symlink("d", up).file(name + "/pwned", "x"),
        tar().dir("d", 0755), tar().symlink("d", up), tar().file("d/pwned", "x")));
    c.add(extracted("write-through-final-symlink", tree().file("evil", "pwned"),
        tar().symlink("evil", up + "/secret").file("evil", "pwned")));
    c.add(extracted("chmod-through-symlinked-directory", tree().dir("evil"),
        tar().symlink("evil", v), tar().dir("evil", 0777)));
    c.add(extracted("hardlink-to-outside-symlink",
        tree().symlink("s", v + "/secret").symlink("h", v + "/secret"),
        tar().symlink("s", v + "/secret").hardlink("h", "s")));
    c.add(refused("symlink-loop", "loop1/pwned",
        tar().symlink("loop1", "loop2").symlink("loop2", "loop1").file("loop1/pwned", "x")));
    c.add(refused("symlink-self-loop", "self/pwned", tar().symlink("self", "self").file("self/pwned", "x")));
    c.add(refused("symlink-named-dot", ".", tar().symlink(".", v).file("pwned", "x")));
    c.add(refused("symlink-named-dotdot", "..", tar().symlink("..", v).file("../pwned", "x")));

    // Hardlinks may only point at a file extracted before them, inside the root.
    c.add(refused("hardlink-dotdot", "link", tar().hardlink("link", up + "/secret")));
    c.add(refused("hardlink-absolute", "link", tar().hardlink("link", v + "/secret")));
    c.add(refused("hardlink-through-symlink", "link",
        tar().symlink("evil", up).hardlink("link", "evil/secret")));
    c.add(refused("gnu-longlink-hardlink-outside", "link",
        raw().gnuLong('K', utf8("../".repeat(40) + name + "/secret"))
            .entry(utf8("link"), '1', 0644, utf8("ignored"), new byte[0], true).bytes()));
    c.add(refused("pax-linkpath-hardlink-absolute", "link",
        raw().pax('x', records("linkpath", v + "/secret")).hardlink(utf8("link"), utf8("ignored")).bytes()));
    c.add(refused("hardlink-through-symlink-of-earlier-layer", "link",
        tar().dir("d", 0755), tar().symlink("d", up), tar().hardlink("link", "d/secret")));
    c.add(refused("hardlink-before-its-target", "link",
        tar().hardlink("link", "target").file("target", "x")));
    c.add(refused("hardlink-to-directory", "link", tar().dir("d", 0755).hardlink("link", "d")));
    c.add(extracted("hardlink-replaced-in-later-layer", tree().file("a", "orig").file("b", "new"),
        tar().file("a", "orig").hardlink("b", "a"), tar().file("b", "new")));

    // Whiteouts only ever remove lower content inside the root.
    c.add(extracted("whiteout-dotdot", tree().file("keep", "x"),
        tar().file("keep", "x"), tar().file(up + "/.wh.secret", "")));
    c.add(extracted("whiteout-absolute", tree().file("keep", "x"),
        tar().file("keep", "x"), tar().file(v + "/.wh.secret", "")));
    c.add(extracted("opaque-dotdot", tree().file("b", "y"),
        tar().file("a", "x"), tar().file("../.wh..wh..opq", "").file("b", "y")));
    c.add(refused("whiteout-of-dotdot", ".wh...", tar().file("keep", "x"), tar().file(".wh...", "")));
    c.add(refused("whiteout-of-root", ".wh..", tar().file("keep", "x"), tar().file(".wh..", "")));
    c.add(extracted("opaque-at-root", tree().file("b", "y"),
        tar().file("a", "x").dir("d", 0755).file("d/f", "x"), tar().file(".wh..wh..opq", "").file("b", "y")));
    c.add(extracted("whiteout-through-symlink", tree().symlink("evil", v),
        tar().symlink("evil", v), tar().file("evil/.wh.secret", "")));
    c.add(extracted("whiteout-through-relative-symlink", tree().symlink("evil", up),
        tar().symlink("evil", up), tar().file("evil/.wh.secret", "")));
    c.add(extracted("opaque-through-symlink", tree().symlink("evil", v),
        tar().symlink("evil", v), tar().file("evil/.wh..wh..opq", "")));
    c.add(extracted("whiteout-removes-the-symlink-not-its-target", tree().dir("d"),
        tar().symlink("evil", up).dir("d", 0755), tar().file(".wh.evil", "")));
    c.add(extracted("opaque-directory-holding-outside-symlink", tree().dir("d"),
        tar().dir("d", 0755).symlink("d/evil", v).file("d/f", "x"), tar().file("d/.wh..wh..opq", "")));

    // Special files and permission bits: what the image says, as far as the user may create it
    // (bin/su belongs to another user: chown after chmod would clear its setuid bit).
    c.add(extracted("fifo", tree().dir("tmp").fifo("tmp/f"), tar().dir("tmp", 0755).fifo("tmp/f", 0644)));
    c.add(extracted("devices", tree().device("dev/null", false, 1, 3).device("dev/loop0", true, 7, 0),
        tar().dir("dev", 0755).device("dev/null", false, 1, 3).device("dev/loop0", true, 7, 0)));
    c.add(extracted("setuid-setgid-sticky",
        tree().file("bin/su", "su", 04755).file("bin/wall", "wall", 02755).dir("tmp", 01777),
        tar().dir("bin", 0755).file("bin/su", utf8("su"), 04755).owner(1000, 1000).file("bin/wall", utf8("wall"), 02755)
            .dir("tmp", 01777)));

    // Duplicates: the last entry wins, as it does for runtimes.
    c.add(extracted("duplicate-file", tree().file("f", "second"),
        tar().file("f", "first").file("f", "second")));
    c.add(extracted("duplicate-file-then-directory", tree().dir("p").file("p/x", "x"),
        tar().file("p", "first").dir("p", 0755).file("p/x", "x")));
    c.add(extracted("duplicate-directory-then-file", tree().file("d", "file"),
        tar().dir("d", 0755).file("d/x", "x").file("d", "file")));

    // Long names and link targets, as PAX and GNU records carry them.
    String longPath = String.join("/", java.util.Collections.nCopies(20, "c".repeat(20))) + "/f";
    c.add(extracted("long-path", tree().file(longPath, "x"), tar().file(longPath, "x")));
    String tooLong = "n".repeat(300);
    c.add(refused("name-component-over-name-max", tooLong.substring(0, 40), tar().file(tooLong, "x")));
    String longTarget = "t/".repeat(1500) + "end";
    c.add(extracted("long-symlink-target", tree().symlink("s", longTarget), tar().symlink("s", longTarget)));
    c.add(extracted("long-hardlink-target", tree().file(longPath, "x").file("h", "x"),
        tar().file(longPath, "x").hardlink("h", longPath)));
    c.add(extracted("gnu-longlink-symlink-target", tree().symlink("s", longTarget),
        raw().gnuLong('K', utf8(longTarget)).entry(utf8("s"), '2', 0777, utf8("cut"), new byte[0], true)
            .bytes()));

    // Names that are not UTF-8: the same bytes on disk, or a refusal; never another name.
    byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
    c.add(new Case("non-utf8-ustar-name", List.of(Layer.gzip(raw().file(latin1, utf8("x")).bytes())),
        Outcome.EXTRACTED_OR_REFUSED, tree().file("caf\\xe9", "x"), escaped("caf"), 0, List.of()));
    byte[] paxName = concat(latin1, utf8("-pax"));
    c.add(new Case("non-utf8-pax-hdrcharset-binary", List.of(Layer.gzip(raw()
        .pax('x', binaryPath(paxName)).file("ignored", "x").bytes())),
        Outcome.EXTRACTED_OR_REFUSED, tree().file("caf\\xe9-pax", "x"), escaped("caf"), 0,
        List.of()));
    c.add(new Case("non-utf8-symlink-target",
        List.of(Layer.gzip(raw().symlink(utf8("badlink"), latin1).bytes())), Outcome.EXTRACTED_OR_REFUSED,
        tree().symlink("badlink", "caf\\xe9"), List.of("badlink"), 0, List.of()));

    // PAX global headers describe the archive; runtimes (Go's archive/tar) apply none of it to entries.
    c.add(extracted("pax-global-header", tree().file("a", "x"),
        raw().pax('g', records("comment", "built by hand", "mtime", "1")).file("a", "x").bytes()));
    c.add(new Case("pax-global-header-path", List.of(Layer.gzip(raw()
        .pax('g', records("path", up + "/pwned")).file("a", "x").file("b", "y").bytes())),
        Outcome.EXTRACTED_OR_REFUSED, tree().file("a", "x").file("b", "y"), List.of(), 0, List.of()));

    // Broken blobs: refused with the layer named, whatever was extracted before the damage.
    byte[] big = tar().file("data", random(200_000), 0644).bytes();
    byte[] gz = gzipBytes(big);
    c.add(refused("truncated-gzip", null, Layer.broken(MediaTypes.OCI_LAYER_GZIP,
        Arrays.copyOf(gz, gz.length / 2), big)));
    byte[] badCrc = gz.clone();
    badCrc[badCrc.length - 8] ^= 0x55;
    c.add(refused("corrupt-gzip-crc", null, Layer.broken(MediaTypes.OCI_LAYER_GZIP, badCrc, big)));
    c.add(refused("truncated-tar", null, Layer.broken(MediaTypes.OCI_LAYER_TAR,
        Arrays.copyOf(big, 100_000), big)));
    byte[] badChecksum = raw().file("a", "x").file("b", "y").breakLastChecksum().bytes();
    c.add(refused("tar-header-checksum", null, new Layer(MediaTypes.OCI_LAYER_TAR, badChecksum,
        Digest.of(badChecksum))));
    byte[] noise = random(64 * 1024);
    c.add(refused("garbage-instead-of-gzip", null, Layer.broken(MediaTypes.OCI_LAYER_GZIP,
        concat(new byte[] {0x1f, (byte) 0x8b}, noise), noise)));
    c.add(new Case("gzip-bomb", List.of(bomb()), Outcome.REFUSED, null, List.of(), 0,
        List.of("--max-layer-size", Long.toString(BOMB_LIMIT))));
    return List.copyOf(c);
  }

  /** The case named {@code name}, aimed at {@code victim}. */
  public static Case named(String name, Path victim) {
    return cases(victim).stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no case " + name));
  }

  private static Case extracted(String name, ExpectedTree tree, Object... layers) {
    return new Case(name, layers(layers), Outcome.EXTRACTED, tree, List.of(), layers.length - 1, List.of());
  }

  private static Case refused(String name, String mentions, Object... layers) {
    return new Case(name, layers(layers), Outcome.REFUSED, null,
        mentions == null ? List.of() : List.of(mentions), layers.length - 1, List.of());
  }

  /** Ways an error message may escape the byte 0xE9 after {@code prefix}; raw or replaced is not one. */
  private static List<String> escaped(String prefix) {
    return List.of(prefix + "\\xe9", prefix + "\\xE9", prefix + "\\351", prefix + "%e9", prefix + "%E9");
  }

  private static List<Layer> layers(Object... layers) {
    List<Layer> out = new ArrayList<>();
    for (Object l : layers) {
      out.add(l instanceof Layer layer ? layer
          : Layer.gzip(l instanceof TestTars t ? t.bytes() : (byte[]) l));
    }
    return out;
  }

  /** A gzip layer whose one file expands to {@link #BOMB_BYTES} of zeros; built once, it takes a moment. */
  private static Layer bomb() {
    byte[] b = bomb;
    if (b == null) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        byte[] header = raw().entry(utf8("bomb"), '0', 0644, new byte[0], new byte[0], false).bytes();
        // A header for an empty file, patched to claim BOMB_BYTES, then the zeros themselves.
        byte[] h = Arrays.copyOf(header, 512);
        patchSize(h, BOMB_BYTES);
        gz.write(h);
        byte[] zeros = new byte[1 << 20];
        for (long n = 0; n < BOMB_BYTES + 1024; n += zeros.length) {
          gz.write(zeros);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      bomb = b = out.toByteArray();
    }
    // The diff_id does not matter: the extractor must stop long before it could check one.
    return new Layer(MediaTypes.OCI_LAYER_GZIP, b, Digest.of(b));
  }

  private static void patchSize(byte[] h, long size) {
    byte[] digits = utf8(String.format("%011o", size));
    System.arraycopy(digits, 0, h, 124, 11);
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte x : h) {
      sum += x & 0xff;
    }
    System.arraycopy(utf8(String.format("%06o", sum) + "\0"), 0, h, 148, 7);
  }

  private static Map<String, byte[]> binaryPath(byte[] path) {
    Map<String, byte[]> records = records("hdrcharset", "BINARY");
    records.put("path", path);
    return records;
  }

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] gzipBytes(byte[] raw) {
    return TestTars.gzip(raw);
  }
}
