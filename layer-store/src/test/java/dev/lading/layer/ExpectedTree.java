package dev.lading.layer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a container runtime would see in the root after the layers are applied, rendered as one line per
 * path ({@code file "x"}, {@code dir}, {@code symlink -> t}, {@code fifo}, {@code char 1:3}) so a test can
 * compare it with the extracted tree. Paths are relative and byte-escaped with {@link #escape}.
 */
public final class ExpectedTree {
  /** Whether the extraction ran as root (devices, owners applied) or not (placeholders, sidecar). */
  public enum Privilege { ROOT, UNPRIVILEGED }

  private record Node(String kind, String detail, Integer mode) {}

  private final Map<String, Node> nodes = new TreeMap<>();

  static ExpectedTree tree() {
    return new ExpectedTree();
  }

  ExpectedTree file(String path, String content) {
    return put(path, new Node("file", describeContent(content.getBytes(StandardCharsets.UTF_8)), null));
  }

  ExpectedTree file(String path, String content, int mode) {
    return put(path, new Node("file", describeContent(content.getBytes(StandardCharsets.UTF_8)), mode));
  }

  ExpectedTree dir(String path) {
    return put(path, new Node("dir", null, null));
  }

  ExpectedTree dir(String path, int mode) {
    return put(path, new Node("dir", null, mode));
  }

  ExpectedTree symlink(String path, String target) {
    return put(path, new Node("symlink", target, null));
  }

  ExpectedTree fifo(String path) {
    return put(path, new Node("fifo", null, null));
  }

  ExpectedTree device(String path, boolean block, int major, int minor) {
    return put(path, new Node(block ? "block" : "char", major + ":" + minor, null));
  }

  private ExpectedTree put(String path, Node node) {
    nodes.put(path, node);
    // Parents a test does not list are plain directories, created implicitly by the extractor.
    for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      nodes.putIfAbsent(path.substring(0, slash), new Node("dir", null, null));
    }
    return this;
  }

  /** One line per path as {@code describe} renders it; devices become empty placeholders without root. */
  public Map<String, String> render(Privilege privilege) {
    Map<String, String> out = new TreeMap<>();
    nodes.forEach((path, n) -> {
      boolean device = n.kind().equals("char") || n.kind().equals("block");
      out.put(path, device && privilege == Privilege.UNPRIVILEGED
          ? describe("file", describeContent(new byte[0]), null)
          : describe(n.kind(), n.detail(), n.mode()));
    });
    return out;
  }

  /** The paths whose permission bits the test must check (setuid and friends), with their mode. */
  public Map<String, Integer> modes() {
    Map<String, Integer> out = new TreeMap<>();
    nodes.forEach((path, n) -> {
      if (n.mode() != null) {
        out.put(path, n.mode());
      }
    });
    return out;
  }

  /** How the comparison renders one path: its kind, then what identifies it, then a mode if checked. */
  public static String describe(String kind, String detail, Integer mode) {
    String text = switch (kind) {
      case "symlink" -> "symlink -> " + detail;
      case "file", "char", "block" -> kind + " " + detail;
      default -> kind;
    };
    return mode == null ? text : text + " mode " + Integer.toOctalString(mode);
  }

  /** Short printable content verbatim in quotes, anything else by a prefix of its sha256. */
  public static String describeContent(byte[] content) {
    boolean printable = content.length <= 64;
    for (byte b : content) {
      printable &= b >= 0x20 && b < 0x7f && b != '"';
    }
    if (printable) {
      return '"' + new String(content, StandardCharsets.US_ASCII) + '"';
    }
    return "sha256:" + dev.lading.digest.Digest.of(content).hex().substring(0, 16);
  }

  /** Bytes as text: printable ASCII kept, every other byte (and backslash) as {@code \xNN}. */
  public static String escape(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && c != '\\') {
        s.append((char) c);
      } else {
        s.append(String.format("\\x%02x", c));
      }
    }
    return s.toString();
  }
}
