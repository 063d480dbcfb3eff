package dev.lading.layer;

import java.util.ArrayList;
import java.util.List;

/** Lexical clean-up of in-layer paths, shared by the writer and the extractor. */
final class LayerPaths {
  private LayerPaths() {}

  /**
   * The components of {@code name} after lexical cleaning with chroot semantics: empty and {@code .}
   * components are dropped, {@code ..} removes the previous component and never climbs above the root.
   * An empty list names the root itself.
   */
  static List<String> clean(String name) {
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!parts.isEmpty()) {
          parts.remove(parts.size() - 1);
        }
        continue;
      }
      parts.add(part);
    }
    return parts;
  }

  /**
   * The canonical absolute form of a path a caller gives the writer ({@code /app/libs/x.jar}). Unlike
   * {@link #clean}, {@code .} and {@code ..} components are refused: a writer input that needs them is a
   * bug in the caller, and silently cleaning it could place a file somewhere unexpected.
   */
  static String canonical(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("an in-layer path must not be empty");
    }
    if (path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("in-layer path contains a NUL character: " + path);
    }
    StringBuilder out = new StringBuilder();
    for (String part : path.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      if (part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException(
            "in-layer path '" + path + "' has a '" + part + "' component; give the plain path");
      }
      out.append('/').append(part);
    }
    if (out.length() == 0) {
      throw new IllegalArgumentException(
          "in-layer path '" + path + "' names the root directory, which a layer never contains");
    }
    return out.toString();
  }

  /** The parent of a canonical path, or null for a top-level path. */
  static String parent(String canonical) {
    int slash = canonical.lastIndexOf('/');
    return slash <= 0 ? null : canonical.substring(0, slash);
  }
}
