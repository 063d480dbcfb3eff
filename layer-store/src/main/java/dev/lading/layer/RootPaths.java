package dev.lading.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Resolves a path inside a root file system as a process chrooted there would, following symlinks
 * with the root as {@code /}, so that reading an image's {@code /etc/passwd} or {@code libc.so.6}
 * never reads a host file through an absolute link.
 */
public final class RootPaths {
  private static final int MAX_LINKS = 40;

  private RootPaths() {}

  /** The host path of {@code path} (absolute or relative to the root) inside {@code root}, if it exists. */
  public static Optional<Path> resolve(Path root, String path) throws IOException {
    return walk(root, path, null);
  }

  /**
   * The host path of directory {@code path} inside {@code root}, created (with its missing parents)
   * when absent; each directory created is passed to {@code created}.
   *
   * @throws IOException when a component exists and is not a directory (nor a link to one)
   */
  public static Path directory(Path root, String path, Consumer<Path> created) throws IOException {
    return walk(root, path, created).orElseThrow();
  }

  /**
   * Follows {@code path} component by component, links resolved inside the root. A missing
   * component ends the walk (empty) unless {@code created} is given: then it is made a directory.
   */
  private static Optional<Path> walk(Path root, String path, Consumer<Path> created) throws IOException {
    Path hostRoot = root.toRealPath();
    Deque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
    List<String> current = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.pop();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!current.isEmpty()) {
          current.remove(current.size() - 1);
        }
        continue;
      }
      Path candidate = join(root, current).resolve(part);
      if (Files.isSymbolicLink(candidate)) {
        if (++links > MAX_LINKS) {
          if (created == null) {
            return Optional.empty();
          }
          throw new IOException(path + ": too many levels of symbolic links in the image");
        }
        // A link a RUN step made holds fakechroot's host path of the root: the same in-root target.
        String target = RootfsDiff.containerTarget(hostRoot, Files.readSymbolicLink(candidate).toString());
        if (target.startsWith("/")) {
          current.clear();
        }
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          todo.push(parts[i]);
        }
        continue;
      }
      if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
        if (created == null) {
          return Optional.empty();
        }
        Files.createDirectory(candidate);
        created.accept(candidate);
      } else if (created != null && !Files.isDirectory(candidate, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("/" + String.join("/", current) + (current.isEmpty() ? "" : "/") + part
            + " is not a directory in the image");
      }
      current.add(part);
    }
    return Optional.of(join(root, current));
  }

  private static Path join(Path root, List<String> parts) {
    return parts.isEmpty() ? root : root.resolve(String.join("/", parts));
  }
}
