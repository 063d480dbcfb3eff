package dev.lading.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the store lives when the user names none: {@code $LADING_STORE}, else {@code ~/.lading/store},
 * and, for a user whose home is missing or read-only (CI containers that run as an arbitrary uid, as
 * OpenShift does), {@code $XDG_CACHE_HOME/lading/store}, then {@code <temp dir>/lading-<user>/store}.
 *
 * <p>A fallback is never silent: {@link #notice()} says which place was skipped and how to choose one.
 * An explicit choice ({@code LADING_STORE}) is used as given; if it cannot be created the store's own
 * error names it.
 *
 * @param path the store directory
 * @param notice a one-line explanation when a fallback was taken, else empty
 */
public record StoreDirectory(Path path, Optional<String> notice) {
  /** Environment variable naming the store directory. */
  public static final String ENV = "LADING_STORE";
  /** How a user names a store, in every front end. */
  private static final String CHOOSE = "choose one with " + ENV + "=DIR, --store DIR (lading) or"
      + " -Dimage.store=DIR (Maven)";

  /** Resolves the default for this process's environment and system properties. */
  public static StoreDirectory resolve() throws IOException {
    // $TMPDIR first, as for every other Unix program; Java's own temp dir ignores it.
    String tmp = System.getenv("TMPDIR");
    return resolve(System.getenv(), System.getProperty("user.home"),
        tmp != null && tmp.startsWith("/") ? tmp : System.getProperty("java.io.tmpdir"),
        userName());
  }

  /**
   * This process's user as a file name: its login name, or {@code uid-N} for a user the system
   * has no name for (Java then says "?"): containers run as an arbitrary uid with no passwd entry
   * (OpenShift does), and two such users must not get one per-user directory in a shared /tmp.
   */
  public static String userName() {
    String name = System.getProperty("user.name", "?");
    if (name.isBlank() || name.equals("?")) {
      try {
        return "uid-" + Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      } catch (IOException | UnsupportedOperationException noProc) {
        return "user";
      }
    }
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /**
   * Resolves the default from the given environment, home, temp directory and user name.
   *
   * @throws IOException naming {@code --store} and {@code LADING_STORE} when no place is usable
   */
  static StoreDirectory resolve(Map<String, String> env, String home, String tmp, String user)
      throws IOException {
    String chosen = env.get(ENV);
    if (chosen != null && !chosen.isBlank()) {
      return new StoreDirectory(Path.of(chosen), Optional.empty());
    }
    List<Path> candidates = new ArrayList<>();
    if (home != null && !home.isBlank() && !home.equals("?")) {
      candidates.add(Path.of(home, ".lading", "store"));
    }
    String cache = env.get("XDG_CACHE_HOME");
    if (cache != null && cache.startsWith("/")) {
      candidates.add(Path.of(cache, "lading", "store"));
    }
    Path shared = null;
    if (tmp != null && !tmp.isBlank()) {
      // Per user, so that two users of one machine do not share (or fight over) one directory.
      String who = user == null || user.isBlank() || user.equals("?") ? "user" : user.replace('/', '_');
      shared = Path.of(tmp, "lading-" + who);
      candidates.add(shared.resolve("store"));
    }
    List<String> skipped = new ArrayList<>();
    for (Path candidate : candidates) {
      Optional<String> problem = candidate.getParent().equals(shared)
          ? privateTempDirectory(shared).or(() -> unusable(candidate)) : unusable(candidate);
      if (problem.isEmpty()) {
        Optional<String> notice = skipped.isEmpty() ? Optional.empty()
            : Optional.of("using the store " + candidate + " (" + String.join("; ", skipped)
                + "); " + CHOOSE);
        return new StoreDirectory(candidate, notice);
      }
      skipped.add(candidate + " " + problem.get());
    }
    throw new IOException("no usable store directory (" + String.join("; ", skipped)
        + "); " + CHOOSE);
  }

  /**
   * Creates {@code dir} (mode 0700) in a shared temp directory, or checks that it is this user's own:
   * another user could otherwise prepare it, and the store trusts the blobs it finds.
   */
  private static Optional<String> privateTempDirectory(Path dir) {
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------")));
      }
      int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      int me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || owner != me) {
        return Optional.of("is not a directory of this user's own");
      }
      if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(
          PosixFilePermissions.fromString("rwx------"))) {
        return Optional.of("is open to other users (want mode 0700)");
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of("cannot be created: " + e.getMessage());
    }
  }

  /** Why {@code dir} cannot hold a store (its nearest existing ancestor is not writable), if it cannot. */
  private static Optional<String> unusable(Path dir) {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return Optional.of("has no existing parent");
    }
    if (!Files.isDirectory(existing)) {
      return Optional.of("cannot be created: " + existing + " is not a directory");
    }
    if (existing.equals(dir.toAbsolutePath())) {
      return Files.isWritable(existing) ? Optional.empty() : Optional.of("is not writable");
    }
    return Files.isWritable(existing) ? Optional.empty()
        : Optional.of("cannot be created: " + existing + " is not writable");
  }
}
