package dev.lading.dockerfile;

import dev.lading.dockerfile.Instruction.CacheMount;
import dev.lading.dockerfile.Instruction.CommandLine;
import dev.lading.dockerfile.Instruction.Location;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The flags of RUN. What Lading does with each, decided flag by flag:
 *
 * <ul>
 *   <li>{@code --mount=type=cache,target=...[,id=][,sharing=][,ro][,mode=][,uid=][,gid=]}: supported.
 *   <li>{@code --mount} of any other type (bind, the default; secret; ssh; tmpfs), and cache mounts
 *       seeded {@code from=} a stage: refused, the build would not have what the command expects.
 *   <li>{@code --network=default}: accepted and ignored, it is what happens without the flag;
 *       {@code none} and {@code host}: refused, Lading cannot give a RUN that network.
 *   <li>{@code --security=sandbox}: accepted and ignored (the default); {@code insecure}: refused.
 *   <li>{@code --device}: refused.
 * </ul>
 */
final class RunFlags {
  private RunFlags() {}

  static Instruction.Run run(Location at, List<String> flagWords, CommandLine command,
      List<Heredoc> heredocs) throws DockerfileException {
    Flags flags = new Flags().repeated("mount").string("network").string("security").repeated("device")
        .parse(flagWords);
    Optional<String> network = flags.get("network");
    if (network.isPresent() && !network.get().equals("default")) {
      throw DockerfileException.of("RUN --network=" + network.get()
          + " is not supported; remove the flag (only --network=default is accepted)");
    }
    Optional<String> security = flags.get("security");
    if (security.isPresent() && !security.get().equals("sandbox")) {
      throw DockerfileException.of("RUN --security=" + security.get()
          + " is not supported; remove the flag (only --security=sandbox is accepted)");
    }
    if (flags.has("device")) {
      throw DockerfileException.of("RUN --device is not supported; remove the flag");
    }
    List<CacheMount> mounts = new ArrayList<>();
    for (String spec : flags.all("mount")) {
      mounts.add(mount(spec));
    }
    return new Instruction.Run(at, command, mounts, heredocs);
  }

  /** A {@code --mount} value: comma-separated {@code key=value} fields (CSV quoting allowed). */
  static CacheMount mount(String spec) throws DockerfileException {
    String type = "bind";
    String target = null;
    String id = null;
    String sharing = "shared";
    boolean readOnly = false;
    String mode = null;
    String uid = null;
    String gid = null;
    List<String> fields = csv(spec);
    // The type decides which keys make sense: judge it first, so a bind mount is named as such.
    for (String field : fields) {
      if (field.strip().toLowerCase(Locale.ROOT).startsWith("type=")) {
        type = field.substring(field.indexOf('=') + 1).toLowerCase(Locale.ROOT);
      }
    }
    if (!type.equals("cache")) {
      throw DockerfileException.of("RUN --mount=type=" + type + " is not supported"
          + (spec.toLowerCase(Locale.ROOT).contains("type=") ? "" : " (a mount without type= is a bind mount)")
          + "; only --mount=type=cache,target=... is");
    }
    for (String field : fields) {
      int eq = field.indexOf('=');
      String key = (eq < 0 ? field : field.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
      String value = eq < 0 ? null : field.substring(eq + 1);
      switch (key) {
        case "type": required(key, value); break;
        case "target": case "dst": case "destination": target = required(key, value); break;
        case "id": id = required(key, value); break;
        case "sharing": sharing = required(key, value); break;
        case "readonly": case "ro": readOnly = bool(key, value); break;
        case "readwrite": case "rw": readOnly = !bool(key, value); break;
        case "mode": mode = required(key, value); break;
        case "uid": uid = required(key, value); break;
        case "gid": gid = required(key, value); break;
        case "from": case "source": case "src":
          throw DockerfileException.of("RUN --mount=type=cache with " + key
              + "= (a cache seeded from another stage or image) is not supported; remove " + key + "=");
        case "required": case "size": case "env":
          throw DockerfileException.of("RUN --mount: unexpected key '" + key + "' for mount type '" + type + "'");
        default:
          throw DockerfileException.of("RUN --mount: unexpected key '" + key + "' in '" + field + "'");
      }
    }
    if (target == null || target.isEmpty()) {
      throw DockerfileException.of("RUN --mount=type=cache needs target=PATH");
    }
    CacheMount mount = new CacheMount(target, Optional.ofNullable(id), sharing, readOnly,
        Optional.ofNullable(mode), Optional.ofNullable(uid), Optional.ofNullable(gid));
    return spec.contains("$") ? mount : validate(mount);
  }

  /** Checks the values that can only be judged once expanded. */
  static CacheMount validate(CacheMount given) throws DockerfileException {
    CacheMount mount = new CacheMount(given.target(), given.id(), given.sharing().toLowerCase(Locale.ROOT),
        given.readOnly(), given.mode(), given.uid(), given.gid());
    if (!List.of("shared", "private", "locked").contains(mount.sharing())) {
      throw DockerfileException.of("RUN --mount: unsupported sharing value \"" + mount.sharing()
          + "\"; use shared, private or locked");
    }
    if (mount.mode().isPresent() && !mount.mode().get().matches("[0-7]{1,4}")) {
      throw DockerfileException.of("RUN --mount: invalid value " + mount.mode().get() + " for mode");
    }
    for (String number : List.of(mount.uid().orElse("0"), mount.gid().orElse("0"))) {
      if (!number.matches("[0-9]{1,9}")) {
        throw DockerfileException.of("RUN --mount: invalid value " + number + " for uid/gid");
      }
    }
    return mount;
  }

  /** The mount with each field expanded (target, id, sharing, mode, uid, gid), then checked. */
  static CacheMount expand(CacheMount m, Expander.WordFunction expand) throws DockerfileException {
    CacheMount out = new CacheMount(expand.apply(m.target()), opt(m.id(), expand),
        expand.apply(m.sharing()), m.readOnly(), opt(m.mode(), expand), opt(m.uid(), expand),
        opt(m.gid(), expand));
    return validate(out);
  }

  private static Optional<String> opt(Optional<String> value, Expander.WordFunction expand)
      throws DockerfileException {
    return value.isPresent() ? Optional.of(expand.apply(value.get())) : Optional.empty();
  }

  private static String required(String key, String value) throws DockerfileException {
    if (value == null) {
      throw DockerfileException.of("RUN --mount: invalid field '" + key + "' must be a key=value pair");
    }
    return value;
  }

  private static boolean bool(String key, String value) throws DockerfileException {
    if (value == null || value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw DockerfileException.of("RUN --mount: invalid value for " + key + ": " + value);
  }

  private static List<String> csv(String spec) throws DockerfileException {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    while (i <= spec.length()) {
      if (i < spec.length() && spec.charAt(i) == '"' && field.length() == 0) {
        i++;
        while (true) {
          if (i >= spec.length()) {
            throw DockerfileException.of("RUN --mount: unterminated quote in \"" + spec + "\"");
          }
          char c = spec.charAt(i++);
          if (c == '"') {
            if (i < spec.length() && spec.charAt(i) == '"') {
              field.append('"');
              i++;
              continue;
            }
            break;
          }
          field.append(c);
        }
        continue;
      }
      if (i == spec.length() || spec.charAt(i) == ',') {
        if (field.length() > 0) {
          fields.add(field.toString());
        }
        field.setLength(0);
        i++;
        continue;
      }
      field.append(spec.charAt(i++));
    }
    return fields;
  }
}
