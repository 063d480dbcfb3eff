package dev.lading.build;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.function.Predicate;
import java.util.Objects;

/**
 * One input of a layer: a file or directory on disk and where it goes in the image. A directory's
 * contents are placed below {@code target}; with {@code includes} or {@code excludes} (globs relative
 * to the directory, as Jib's extraDirectories take them: {@code *.txt}, {@code **}{@code /*.sh}), only
 * the files that match an include (any file when there is none) and no exclude.
 */
public record FileMapping(Path source, String target, List<String> includes, List<String> excludes) {
  public FileMapping {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    if (!target.startsWith("/")) {
      throw new IllegalArgumentException("in-image path '" + target + "' of " + source
          + " must be absolute (start with '/')");
    }
    source = source.toAbsolutePath().normalize();
    includes = includes == null ? List.of() : List.copyOf(includes);
    excludes = excludes == null ? List.of() : List.copyOf(excludes);
  }

  /** All of {@code source}. */
  public FileMapping(Path source, String target) {
    this(source, target, List.of(), List.of());
  }

  /** True when includes or excludes pick some of a directory's files. */
  public boolean selective() {
    return !includes.isEmpty() || !excludes.isEmpty();
  }

  /**
   * Which files this mapping takes, by their path below {@code source} ('/'-separated); the globs are
   * compiled once, here, for a caller that asks about every file of a directory.
   */
  public Predicate<String> selector() {
    List<PathMatcher> in = matchers(includes);
    List<PathMatcher> out = matchers(excludes);
    return relative -> {
      Path path = Path.of(relative);
      return (in.isEmpty() || in.stream().anyMatch(m -> m.matches(path)))
          && out.stream().noneMatch(m -> m.matches(path));
    };
  }

  private static List<PathMatcher> matchers(List<String> globs) {
    return globs.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
  }
}
