package dev.lading.build;

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
 */
public record LayerSpec(String name, List<FileMapping> files, Predicate<Path> filter, String filterName,
    Map<String, Integer> permissions) {

  public LayerSpec {
    Objects.requireNonNull(name, "name");
    files = List.copyOf(files);
    filter = filter == null ? p -> true : filter;
    filterName = filterName == null ? "all" : filterName;
    permissions = permissions == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(permissions));
  }

  /** A layer of all files of {@code files}, with default permissions. */
  public static LayerSpec of(String name, List<FileMapping> files) {
    return new LayerSpec(name, files, null, null, null);
  }

  /** True when the layer has no inputs at all (it is then left out of the image). */
  public boolean isEmpty() {
    return files.isEmpty();
  }
}
