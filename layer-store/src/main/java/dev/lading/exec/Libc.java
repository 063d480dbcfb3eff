package dev.lading.exec;

import dev.lading.layer.RootPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which C library a root file system's programs load: glibc (with its version), musl, or none
 * (static programs). LD_PRELOAD executors load the host's libraries into them, which works only
 * when it is the host's own glibc.
 *
 * @param kind what was found
 * @param version glibc's version ({@code 2.36}), else empty
 */
public record Libc(Kind kind, String version) {
  /** The C library families told apart. */
  public enum Kind { GLIBC, MUSL, NONE }

  private static final List<String> LIBC_PATHS = List.of("lib/x86_64-linux-gnu/libc.so.6",
      "usr/lib/x86_64-linux-gnu/libc.so.6", "lib/aarch64-linux-gnu/libc.so.6",
      "usr/lib/aarch64-linux-gnu/libc.so.6", "lib64/libc.so.6", "usr/lib64/libc.so.6",
      "lib/libc.so.6", "usr/lib/libc.so.6");
  private static final Pattern GLIBC_BANNER = Pattern.compile("release version (\\d+\\.\\d+)");
  private static final Pattern MUSL_LOADER = Pattern.compile("ld-musl-.*\\.so\\.1");

  /** The C library of the root file system at {@code root} ({@code /} for the host). */
  public static Libc of(Path root) throws IOException {
    for (String candidate : LIBC_PATHS) {
      Optional<Path> file = RootPaths.resolve(root, candidate);
      if (file.isPresent() && Files.isRegularFile(file.get(), LinkOption.NOFOLLOW_LINKS)) {
        return new Libc(Kind.GLIBC, glibcVersion(file.get()).orElse(""));
      }
    }
    for (String dir : List.of("lib", "usr/lib")) {
      Optional<Path> d = RootPaths.resolve(root, dir);
      if (d.isPresent() && Files.isDirectory(d.get())) {
        try (var names = Files.list(d.get())) {
          if (names.anyMatch(p -> MUSL_LOADER.matcher(p.getFileName().toString()).matches())) {
            return new Libc(Kind.MUSL, "");
          }
        }
      }
    }
    return new Libc(Kind.NONE, "");
  }

  /** glibc prints "... stable release version 2.36." when run; the same text is in the file. */
  private static Optional<String> glibcVersion(Path libc) throws IOException {
    String text = new String(Files.readAllBytes(libc), StandardCharsets.ISO_8859_1);
    Matcher m = GLIBC_BANNER.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  @Override
  public String toString() {
    return switch (kind) {
      case GLIBC -> "glibc " + (version.isEmpty() ? "(unknown version)" : version);
      case MUSL -> "musl";
      case NONE -> "no C library (static programs)";
    };
  }
}
