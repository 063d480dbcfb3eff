package dev.lading.build.dockerfile;

import dev.lading.dockerfile.Instruction;
import dev.lading.io.FileTrees;
import dev.lading.layer.OwnershipMap;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@code --mount}s of one RUN step, put in place in the order written: caches (see
 * {@link CacheMounts}), bind mounts (a copy of the source, made as COPY would copy it to the target,
 * so that the step cannot change the source), tmpfs mounts (an empty directory, root's and 1777 as a
 * tmpfs is), secrets (a file with the secret's bytes, and {@code env=} variables) and ssh agents
 * (the agent's socket, named by {@code SSH_AUTH_SOCK}).
 */
final class StepMounts {
  private final Store store;
  private final Path work;
  private final Consumer<String> log;
  private final Map<String, BuildSecret> secrets;
  private final Map<String, Path> sshAgents;
  /** The bind sources put on disk so far (two mounts may bind from one stage or image). */
  private final java.util.Set<StageBuild.Sources> filled = new java.util.HashSet<>();

  /**
   * Mounts with temporary files in {@code work}, and the secrets and ssh agents' sockets the build
   * was given, by id.
   */
  StepMounts(Store store, Path work, Consumer<String> log, Map<String, BuildSecret> secrets,
      Map<String, Path> sshAgents) {
    this.store = store;
    this.work = work;
    this.log = log;
    this.secrets = secrets;
    this.sshAgents = sshAgents;
  }

  /**
   * Where the step's mounts with {@code from=} (or a bind mount's context) take their files: each
   * bind mount's source, each seeded cache's seed. Put on disk only when the step runs.
   */
  record Sourced(Map<Instruction.BindMount, StageBuild.Sources> binds,
      Map<Instruction.CacheMount, StageBuild.Sources> seeds) {
    Sourced() {
      this(new java.util.HashMap<>(), new java.util.HashMap<>());
    }
  }

  /**
   * Puts {@code r}'s mounts in {@code rootfs}; closing the result undoes it.
   *
   * @param sourced where bind mounts and seeded caches take their files (put on disk here when
   *     they are not yet)
   * @param ownership the stage's ownership map file, given the mounts' owners for the step
   * @param executorBinds whether the executor binds caches (else they are moved in)
   */
  CacheMounts.Mounted mount(Instruction.Run r, Sourced sourced, Path rootfs, Path ownership,
      String workdir, boolean executorBinds) throws IOException {
    CacheMounts.Mounted mounted = new CacheMounts(store, work, log).start(rootfs, ownership);
    try {
      for (Instruction.Mount m : r.mounts()) {
        if (m instanceof Instruction.CacheMount c) {
          StageBuild.Sources seed = sourced.seeds().get(c);
          mounted.add(c, workdir, executorBinds, seed == null ? null : seed(c, seed, r));
        } else if (m instanceof Instruction.BindMount b) {
          bind(mounted, b, sourced.binds().get(b), r, workdir);
        } else if (m instanceof Instruction.SecretMount x) {
          Optional<BuildSecret> secret = secret(r, x);
          if (secret.isPresent() && !x.target().isEmpty()) {
            Path content = mounted.temporary("secret-");
            Files.write(content, secret.get().bytes());
            Files.setPosixFilePermissions(content, PosixFilePermissions.fromString("rw-------"));
            mounted.addCopy(content, x.target(), workdir, Map.of("", OwnershipMap.Ownership.of(
                OwnershipMap.Kind.FILE, Integer.parseInt(x.mode(), 8), Long.parseLong(x.uid()),
                Long.parseLong(x.gid()), 0, 0)));
          }
        } else if (m instanceof Instruction.SshMount x) {
          Optional<Path> agent = sshAgent(r, x);
          if (agent.isPresent()) {
            mounted.addSocket(agent.get(), x.target(), workdir, executorBinds);
          }
        } else {
          Path content = Files.createDirectory(mounted.temporary("tmpfs-"));
          mounted.addCopy(content, m.target(), workdir, Map.of("",
              OwnershipMap.Ownership.of(OwnershipMap.Kind.DIRECTORY, 01777, 0, 0, 0, 0)));
        }
      }
      return mounted;
    } catch (IOException | RuntimeException e) {
      mounted.close();
      throw e;
    }
  }

  private void bind(CacheMounts.Mounted mounted, Instruction.BindMount b, StageBuild.Sources source,
      Instruction.Run r, String workdir) throws IOException {
    Path content = mounted.temporary("bind-");
    String name = "/" + content.getFileName();
    FileCopier copier = copy(source, b.source(), content, r, "RUN --mount=type=bind: source");
    Map<String, OwnershipMap.Ownership> owners = new TreeMap<>();
    copier.ownership().entries().forEach((path, o) -> {
      if (path.equals(name) || path.startsWith(name + "/")) {
        owners.put(path.substring(name.length()), o);
      }
    });
    mounted.addCopy(content, b.target(), workdir, owners);
  }

  /**
   * Copies {@code path} of {@code source} to {@code to} (which does not exist), as COPY copies it,
   * after putting the source on disk when it is not yet; the copier tells the owners it recorded.
   */
  private FileCopier copy(StageBuild.Sources source, String path, Path to, Instruction.Run r, String what)
      throws IOException {
    if (source.fill() != null && filled.add(source)) {
      source.fill().fill();
    }
    FileCopier copier = new FileCopier(to.getParent().toRealPath(), OwnershipMap.empty(), null, null, null)
        .from(source.ownership() == null ? null : source.root().toRealPath());
    Function<String, OwnershipMap.Ownership> recorded = source.ownership() == null
        ? null : OwnershipMap.load(source.ownership()).entries()::get;
    ContextSources.copy(copier, source.root(), recorded, source.ignore(), ContextSources.Flags.NONE,
        List.of(path), List.of(), List.of(), "/" + to.getFileName(), r.location(), what);
    return copier;
  }

  /**
   * The seed of cache mount {@code c}: its {@code source} directory in {@code from}. The cache keeps
   * files, not owners (as for any cache): the building user's, seen as root's by the step.
   */
  private CacheEntries.Seed seed(Instruction.CacheMount c, StageBuild.Sources from, Instruction.Run r) {
    return new CacheEntries.Seed() {
      @Override
      public String identity() {
        return from.identity() + " " + c.source();
      }

      @Override
      public void copyTo(Path dir) throws IOException {
        copy(from, c.source(), dir, r, "RUN --mount=type=cache: source");
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          FileTrees.deleteTree(dir);
          throw new BuildException("line " + r.location().line() + ": RUN --mount=type=cache,from="
              + c.from().orElse("") + ",source=" + c.source() + ": the source is not a directory in "
              + c.from().orElse("") + "; name a directory");
        }
      }
    };
  }

  /**
   * The step's environment with its {@code env=} secrets, which never enter the step cache key, and
   * {@code SSH_AUTH_SOCK} naming its first ssh agent's socket unless the image sets it (as BuildKit).
   */
  List<String> environment(Instruction.Run r, List<String> env) throws IOException {
    List<String> out = new ArrayList<>(env);
    Optional<Instruction.SshMount> ssh = r.mounts().stream().filter(m -> m instanceof Instruction.SshMount)
        .map(m -> (Instruction.SshMount) m).filter(m -> sshAgents.containsKey(m.id())).findFirst();
    if (ssh.isPresent() && out.stream().noneMatch(e -> e.startsWith("SSH_AUTH_SOCK="))) {
      out.add("SSH_AUTH_SOCK=" + ssh.get().target());
    }
    for (Instruction.Mount m : r.mounts()) {
      if (m instanceof Instruction.SecretMount x && x.env().isPresent()) {
        Optional<BuildSecret> secret = Optional.ofNullable(secrets.get(x.id()));
        if (secret.isPresent()) {
          String name = x.env().get();
          out.removeIf(e -> e.startsWith(name + "="));
          out.add(name + "=" + new String(secret.get().bytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  /**
   * The socket of the ssh agent a mount names, when the build was given it; a required one not given
   * fails the step, another is left out (as BuildKit leaves it out).
   */
  private Optional<Path> sshAgent(Instruction.Run r, Instruction.SshMount x) throws BuildException {
    Path socket = sshAgents.get(x.id());
    if (socket == null && x.required()) {
      throw new BuildException("line " + r.location().line() + ": RUN --mount=type=ssh" + (x.id().equals("default")
          ? "" : ",id=" + x.id()) + " is required and no ssh agent " + x.id() + " was given: pass --ssh "
          + x.id() + (x.id().equals("default") ? " (the agent SSH_AUTH_SOCK names)" : "=SOCKET")
          + ", or <sshAgents> in the plugin");
    }
    if (socket == null) {
      log.accept("no ssh agent " + x.id() + " was given (--ssh " + x.id() + "): the step runs without it");
    }
    return Optional.ofNullable(socket);
  }

  /**
   * The secret a mount names, when the build was given it; a required one not given fails the step,
   * another is left out (as BuildKit leaves it out).
   */
  private Optional<BuildSecret> secret(Instruction.Run r, Instruction.SecretMount x) throws BuildException {
    BuildSecret secret = secrets.get(x.id());
    if (secret == null && x.required()) {
      throw new BuildException("line " + r.location().line() + ": RUN --mount=type=secret,id=" + x.id()
          + " is required and no secret " + x.id() + " was given: pass --secret id=" + x.id()
          + ",src=FILE (or id=" + x.id() + ",env=VARIABLE), or <secrets> in the plugin");
    }
    if (secret == null) {
      log.accept("no secret " + x.id() + " was given: the step runs without it");
    }
    return Optional.ofNullable(secret);
  }
}
