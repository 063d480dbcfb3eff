package dev.lading.exec;

import dev.lading.layer.RootPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A container user resolved against the image's own {@code /etc/passwd} and {@code /etc/group}, as
 * a runtime does: {@code name}, {@code uid}, {@code name:group}, {@code uid:gid}; a numeric uid
 * unknown to passwd is allowed (group 0, home /), an unknown name is an error.
 *
 * @param uid the user id
 * @param gid the primary group id
 * @param home the home directory from passwd, for HOME
 */
public record ImageUser(long uid, long gid, String home) {
  /** root, the default. */
  public static final ImageUser ROOT = new ImageUser(0, 0, "/root");

  /** Resolves {@code spec} (empty means root) in the root file system {@code rootfs}. */
  public static ImageUser resolve(Path rootfs, String spec) throws IOException {
    if (spec == null || spec.isBlank()) {
      return ROOT;
    }
    int colon = spec.indexOf(':');
    String userPart = colon < 0 ? spec : spec.substring(0, colon);
    String groupPart = colon < 0 ? null : spec.substring(colon + 1);
    List<String[]> passwd = table(rootfs, "/etc/passwd");
    long uid;
    long gid = 0;
    String home = "/";
    Optional<String[]> entry = passwd.stream().filter(f -> f.length >= 6
        && (f[0].equals(userPart) || (isNumber(userPart) && f[2].equals(userPart)))).findFirst();
    if (entry.isPresent()) {
      uid = Long.parseLong(entry.get()[2]);
      gid = parseId(entry.get()[3], spec);
      home = entry.get()[5].isEmpty() ? "/" : entry.get()[5];
    } else if (isNumber(userPart)) {
      uid = Long.parseLong(userPart);
    } else {
      throw new ExecutorException("unable to find user " + userPart + ": no matching entries in the"
          + " image's /etc/passwd; create it in an earlier step (useradd) or use a numeric uid");
    }
    if (groupPart != null && !groupPart.isEmpty()) {
      if (isNumber(groupPart)) {
        gid = Long.parseLong(groupPart);
      } else {
        gid = table(rootfs, "/etc/group").stream()
            .filter(f -> f.length >= 3 && f[0].equals(groupPart)).findFirst()
            .map(f -> parseId(f[2], spec))
            .orElseThrow(() -> new ExecutorException("unable to find group " + groupPart
                + ": no matching entries in the image's /etc/group"));
      }
    }
    return new ImageUser(uid, gid, home);
  }

  private static List<String[]> table(Path rootfs, String file) throws IOException {
    Optional<Path> path = RootPaths.resolve(rootfs, file);
    if (path.isEmpty() || !Files.isRegularFile(path.get())) {
      return List.of();
    }
    return Files.readAllLines(path.get(), StandardCharsets.UTF_8).stream()
        .filter(line -> !line.isBlank() && !line.startsWith("#")).map(line -> line.split(":", -1))
        .toList();
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 19;
  }

  private static long parseId(String s, String spec) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the image's passwd or group entry for '" + spec
          + "' has a non-numeric id '" + s + "'");
    }
  }
}
