package dev.lading.build;

import dev.lading.layer.LayerEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The inputs of one application layer: its name (which becomes the history entry, e.g. "classes"),
 * the files that go in it, which of a directory's files to take, and permission overrides by
 * in-image path or glob (Jib's {@code extraDirectories.permissions}).
 *
 * @param name the layer kind, e.g. {@code dependencies}, {@code classes}
 * @param files the files and directories, in order (a later entry wins on equal in-image paths)
 * @param filter which files below a directory mapping to take (by source path), e.g. only .class files
 * @param filterName a stable description of {@code filter}, part of the layer cache key
 * @param permissions octal modes by in-image path or glob ({@code /app/bin/*}), as Jib writes them
 * @param generated files made by the build rather than read from disk (e.g. Jib's class path file),
 *     added after {@code files}
 */
public record LayerSpec(String name, List<FileMapping> files, Predicate<Path> filter, String filterName,
    Map<String, Integer> permissions, List<LayerEntry> generated) {

  public LayerSpec {
    Objects.requireNonNull(name, "name");
    files = List.copyOf(files);
    generated = generated == null ? List.of() : List.copyOf(generated);
    for (LayerEntry e : generated) {
      if (e.type() != LayerEntry.Type.FILE) {
        throw new IllegalArgumentException("generated entry " + e.path() + " of layer " + name + " is not a file");
      }
    }
    filter = filter == null ? p -> true : filter;
    filterName = filterName == null ? "all" : filterName;
    permissions = permissions == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(permissions));
  }

  /** A layer of files read from disk. */
  public LayerSpec(String name, List<FileMapping> files, Predicate<Path> filter, String filterName,
      Map<String, Integer> permissions) {
    this(name, files, filter, filterName, permissions, List.of());
  }

  /** A layer of all files of {@code files}, with default permissions. */
  public static LayerSpec of(String name, List<FileMapping> files) {
    return new LayerSpec(name, files, null, null, null);
  }

  /** A layer of files made by the build, e.g. {@code LayerEntry.file("/app/x", bytes)}. */
  public static LayerSpec generated(String name, List<LayerEntry> entries) {
    return new LayerSpec(name, List.of(), null, null, null, entries);
  }

  /** True when the layer has no inputs at all (it is then left out of the image). */
  public boolean isEmpty() {
    return files.isEmpty() && generated.isEmpty();
  }
}
