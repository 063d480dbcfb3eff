package dev.lading.dockerfile;

import dev.lading.dockerfile.Instruction.BindMount;
import dev.lading.dockerfile.Instruction.CacheMount;
import dev.lading.dockerfile.Instruction.CommandLine;
import dev.lading.dockerfile.Instruction.Location;
import dev.lading.dockerfile.Instruction.Mount;
import dev.lading.dockerfile.Instruction.SecretMount;
import dev.lading.dockerfile.Instruction.SshMount;
import dev.lading.dockerfile.Instruction.TmpfsMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The flags of RUN. What Lading does with each, decided flag by flag:
 *
 * <ul>
 *   <li>{@code --mount=type=cache,target=...[,id=][,sharing=][,ro][,mode=][,uid=][,gid=][,from=][,source=]}:
 *       supported; with {@code from=}, a new cache starts as a copy of that stage's or image's
 *       {@code source} directory, and each content of it is a cache of its own, as in BuildKit.
 *   <li>{@code --mount=type=bind,target=...[,from=][,source=][,rw]} (bind is the default type):
 *       supported; the step gets a copy, so what it writes there is dropped, as BuildKit drops it.
 *   <li>{@code --mount=type=tmpfs,target=...[,size=]}: supported, an empty directory ({@code size}
 *       is not enforced).
 *   <li>{@code --mount=type=secret,id=...[,target=][,env=][,required][,mode=][,uid=][,gid=]}:
 *       supported, the secrets given to the build.
 *   <li>{@code --mount=type=ssh[,id=][,target=][,required][,mode=][,uid=][,gid=]}: supported, the
 *       ssh agents given to the build.
 *   <li>{@code --network=none}: the step cannot make IPv4 or IPv6 sockets (loopback included: with no
 *       network namespace, that is the line Lading can draw). {@code default} and {@code host}:
 *       accepted, both the host's network, which every step has without the flag (as buildah's
 *       chroot isolation gives it).
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
    String network = flags.get("network").orElse("default");
    boolean offline;
    try {
      offline = NetworkMode.isNone(network, "RUN --network=" + network);
    } catch (IllegalArgumentException e) {
      throw DockerfileException.of(e.getMessage());
    }
    Optional<String> security = flags.get("security");
    if (security.isPresent() && !security.get().equals("sandbox")) {
      throw DockerfileException.of("RUN --security=" + security.get()
          + " is not supported; remove the flag (only --security=sandbox is accepted)");
    }
    if (flags.has("device")) {
      throw DockerfileException.of("RUN --device is not supported; remove the flag");
    }
    List<Mount> mounts = new ArrayList<>();
    int sshMounts = 0;
    for (String spec : flags.all("mount")) {
      Mount mount = mount(spec);
      if (mount instanceof SshMount ssh && ssh.target().isEmpty()) {
        // BuildKit numbers the default sockets of a step's ssh mounts from 0.
        mount = new SshMount(ssh.id(), "/run/buildkit/ssh_agent." + sshMounts, ssh.required(), ssh.mode(),
            ssh.uid(), ssh.gid());
      }
      if (mount instanceof SshMount) {
        sshMounts++;
      }
      mounts.add(mount);
    }
    return new Instruction.Run(at, command, mounts, heredocs, !offline);
  }

  /** A {@code --mount} value: comma-separated {@code key=value} fields (CSV quoting allowed). */
  static Mount mount(String spec) throws DockerfileException {
    List<String> fields = csv(spec);
    String type = "bind";
    // The type decides which keys make sense: judge it first, so a bind mount is named as such.
    for (String field : fields) {
      if (field.strip().toLowerCase(Locale.ROOT).startsWith("type=")) {
        type = field.substring(field.indexOf('=') + 1).toLowerCase(Locale.ROOT);
      }
    }
    switch (type) {
      case "cache":
        return cacheMount(spec, fields);
      case "bind":
        return bindMount(fields);
      case "tmpfs":
        return tmpfsMount(fields);
      case "secret":
        return secretMount(fields);
      case "ssh":
        return sshMount(fields);
      default:
        throw DockerfileException.of("RUN --mount: unknown mount type '" + type
            + "'; use bind, cache, secret, ssh or tmpfs");
    }
  }

  private static BindMount bindMount(List<String> fields) throws DockerfileException {
    String target = null;
    String from = null;
    String source = ".";
    boolean readWrite = false;
    for (Field field : Field.all(fields)) {
      String key = field.key();
      String value = field.value();
      switch (key) {
        case "type": required(key, value); break;
        case "target": case "dst": case "destination": target = required(key, value); break;
        case "from": from = required(key, value); break;
        case "source": case "src": source = required(key, value); break;
        case "readonly": case "ro": readWrite = !bool(key, value); break;
        case "readwrite": case "rw": readWrite = bool(key, value); break;
        case "bind-propagation": case "bind-nonrecursive": required(key, value); break; // no mounts inside
        default:
          throw DockerfileException.of("RUN --mount: unexpected key '" + key + "' for mount type 'bind'");
      }
    }
    if (target == null || target.isEmpty()) {
      throw DockerfileException.of("RUN --mount=type=bind needs target=PATH");
    }
    if (from != null && from.isEmpty()) {
      throw DockerfileException.of("RUN --mount=type=bind: from= names no stage or image");
    }
    return new BindMount(target, Optional.ofNullable(from), source.isEmpty() ? "." : source, readWrite);
  }

  private static TmpfsMount tmpfsMount(List<String> fields) throws DockerfileException {
    String target = null;
    for (Field field : Field.all(fields)) {
      String key = field.key();
      String value = field.value();
      switch (key) {
        case "type": required(key, value); break;
        case "target": case "dst": case "destination": target = required(key, value); break;
        case "size": required(key, value); break; // a directory on the build's disk: no size limit
        default:
          throw DockerfileException.of("RUN --mount: unexpected key '" + key + "' for mount type 'tmpfs'");
      }
    }
    if (target == null || target.isEmpty()) {
      throw DockerfileException.of("RUN --mount=type=tmpfs needs target=PATH");
    }
    return new TmpfsMount(target);
  }

  private static Mount secretMount(List<String> fields) throws DockerfileException {
    SecretFields f = SecretFields.parse(fields, "secret", "0400");
    String id = f.id();
    String target = f.target();
    if ((id == null || id.isEmpty()) && (target == null || target.isEmpty())) {
      throw DockerfileException.of("RUN --mount=type=secret needs id=ID (or target=PATH)");
    }
    if (id == null || id.isEmpty()) {
      id = target.substring(target.lastIndexOf('/') + 1);
    }
    if (target == null) {
      target = f.env() != null ? "" : "/run/secrets/" + id;
    }
    SecretMount mount = new SecretMount(id, target, Optional.ofNullable(f.env()), f.required(), f.mode(), f.uid(),
        f.gid());
    return mount.toString().contains("$") ? mount : validate(mount);
  }

  /** An ssh mount; its default target is given by {@link #run}, which knows how many came before. */
  private static Mount sshMount(List<String> fields) throws DockerfileException {
    SecretFields f = SecretFields.parse(fields, "ssh", "0600");
    String id = f.id() == null || f.id().isEmpty() ? "default" : f.id();
    SshMount mount = new SshMount(id, f.target() == null ? "" : f.target(), f.required(), f.mode(), f.uid(),
        f.gid());
    return mount.toString().contains("$") ? mount : validate(mount);
  }

  /**
   * The keys secret and ssh mounts share (BuildKit gives both {@code id}, {@code target},
   * {@code required}, {@code mode}, {@code uid} and {@code gid}), and a secret's {@code env}; null
   * for what is not written, but {@code mode}, {@code uid} and {@code gid}, which have defaults.
   */
  private record SecretFields(String id, String target, String env, boolean required, String mode, String uid,
      String gid) {
    static SecretFields parse(List<String> fields, String type, String defaultMode) throws DockerfileException {
      String id = null;
      String target = null;
      String env = null;
      boolean required = false;
      String mode = defaultMode;
      String uid = "0";
      String gid = "0";
      for (Field field : Field.all(fields)) {
        String key = field.key();
        String value = field.value();
        switch (key) {
          case "type": RunFlags.required(key, value); break;
          case "id": id = RunFlags.required(key, value); break;
          case "target": case "dst": case "destination": target = RunFlags.required(key, value); break;
          case "env":
            if (!type.equals("secret")) {
              throw unexpected(key, type);
            }
            env = RunFlags.required(key, value);
            break;
          case "required": required = bool(key, value); break;
          case "mode": mode = RunFlags.required(key, value); break;
          case "uid": uid = RunFlags.required(key, value); break;
          case "gid": gid = RunFlags.required(key, value); break;
          default:
            throw unexpected(key, type);
        }
      }
      return new SecretFields(id, target, env, required, mode, uid, gid);
    }

    private static DockerfileException unexpected(String key, String type) {
      return DockerfileException.of("RUN --mount: unexpected key '" + key + "' for mount type '" + type + "'");
    }
  }

  private static SshMount validate(SshMount mount) throws DockerfileException {
    checkModeAndOwner(mount.mode(), mount.uid(), mount.gid());
    return mount;
  }

  private static void checkModeAndOwner(String mode, String uid, String gid) throws DockerfileException {
    if (!mode.matches("[0-7]{1,4}")) {
      throw DockerfileException.of("RUN --mount: invalid value " + mode + " for mode");
    }
    for (String number : List.of(uid, gid)) {
      if (!number.matches("[0-9]{1,9}")) {
        throw DockerfileException.of("RUN --mount: invalid value " + number + " for uid/gid");
      }
    }
  }

  private static SecretMount validate(SecretMount mount) throws DockerfileException {
    checkModeAndOwner(mount.mode(), mount.uid(), mount.gid());
    if (mount.env().isPresent() && !mount.env().get().matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw DockerfileException.of("RUN --mount: invalid environment variable name " + mount.env().get());
    }
    return mount;
  }

  private static Mount cacheMount(String spec, List<String> fields) throws DockerfileException {
    String target = null;
    String id = null;
    String sharing = "shared";
    boolean readOnly = false;
    String mode = null;
    String uid = null;
    String gid = null;
    String from = null;
    String source = null;
    for (Field field : Field.all(fields)) {
      String key = field.key();
      String value = field.value();
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
        case "from": from = required(key, value); break;
        case "source": case "src": source = required(key, value); break;
        case "required": case "size": case "env":
          throw DockerfileException.of("RUN --mount: unexpected key '" + key + "' for mount type 'cache'");
        default:
          throw DockerfileException.of("RUN --mount: unexpected key '" + key + "' in '" + field.text() + "'");
      }
    }
    if (target == null || target.isEmpty()) {
      throw DockerfileException.of("RUN --mount=type=cache needs target=PATH");
    }
    if (from != null && from.isEmpty()) {
      throw DockerfileException.of("RUN --mount=type=cache: from= names no stage or image");
    }
    if (from == null && source != null) {
      throw DockerfileException.of("RUN --mount=type=cache: source= is a path in the stage or image"
          + " that from= names; add from=STAGE, or remove source=");
    }
    CacheMount mount = new CacheMount(target, Optional.ofNullable(id), sharing, readOnly,
        Optional.ofNullable(mode), Optional.ofNullable(uid), Optional.ofNullable(gid),
        Optional.ofNullable(from), source == null || source.isEmpty() ? "." : source);
    return spec.contains("$") ? mount : validate(mount);
  }

  /** Checks the values that can only be judged once expanded. */
  static CacheMount validate(CacheMount given) throws DockerfileException {
    CacheMount mount = new CacheMount(given.target(), given.id(), given.sharing().toLowerCase(Locale.ROOT),
        given.readOnly(), given.mode(), given.uid(), given.gid(), given.from(), given.source());
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

  /** The mount with each field expanded, then checked. */
  static Mount expand(Mount mount, Expander.WordFunction expand) throws DockerfileException {
    if (mount instanceof BindMount b) {
      return new BindMount(expand.apply(b.target()), opt(b.from(), expand), expand.apply(b.source()),
          b.readWrite());
    }
    if (mount instanceof TmpfsMount t) {
      return new TmpfsMount(expand.apply(t.target()));
    }
    if (mount instanceof SecretMount x) {
      return validate(new SecretMount(expand.apply(x.id()), expand.apply(x.target()), opt(x.env(), expand),
          x.required(), expand.apply(x.mode()), expand.apply(x.uid()), expand.apply(x.gid())));
    }
    if (mount instanceof SshMount x) {
      return validate(new SshMount(expand.apply(x.id()), expand.apply(x.target()), x.required(),
          expand.apply(x.mode()), expand.apply(x.uid()), expand.apply(x.gid())));
    }
    CacheMount m = (CacheMount) mount;
    CacheMount out = new CacheMount(expand.apply(m.target()), opt(m.id(), expand),
        expand.apply(m.sharing()), m.readOnly(), opt(m.mode(), expand), opt(m.uid(), expand),
        opt(m.gid(), expand), opt(m.from(), expand), expand.apply(m.source()));
    return validate(out);
  }

  private static Optional<String> opt(Optional<String> value, Expander.WordFunction expand)
      throws DockerfileException {
    return value.isPresent() ? Optional.of(expand.apply(value.get())) : Optional.empty();
  }

  /** One {@code key=value} field of a mount: the key in lower case, the value null when no {@code =}. */
  private record Field(String key, String value, String text) {
    static List<Field> all(List<String> fields) {
      List<Field> out = new ArrayList<>();
      for (String field : fields) {
        int eq = field.indexOf('=');
        out.add(new Field((eq < 0 ? field : field.substring(0, eq)).strip().toLowerCase(Locale.ROOT),
            eq < 0 ? null : field.substring(eq + 1), field));
      }
      return out;
    }
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
