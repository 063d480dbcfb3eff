package dev.lading.dockerfile;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One Dockerfile instruction as written, with the lines it came from. The words are kept as written
 * (quotes and {@code $VAR} included); {@link Expander#expand} gives the expanded copy.
 */
public sealed interface Instruction {

  /** Where the instruction was written. */
  Location location();

  /** The instruction keyword in upper case ({@code RUN}, {@code COPY}, ...). */
  default String keyword() {
    return getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
  }

  /**
   * The lines an instruction spans.
   *
   * @param line the first line, 1-based
   * @param endLine the last line, heredoc bodies included
   * @param text the logical line as parsed: continuations joined, comments removed
   */
  record Location(int line, int endLine, String text) {
    public Location {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A command in exec form ({@code ["a","b"]}, run as is) or shell form (one string, run by the
   * stage's SHELL).
   */
  record CommandLine(List<String> args, boolean execForm) {
    public CommandLine {
      args = List.copyOf(args);
    }

    /** The shell-form text, or the exec-form words joined by spaces. */
    public String text() {
      return String.join(" ", args);
    }
  }

  /** A {@code key=value} pair of ENV or LABEL. */
  record KeyValue(String key, String value) {
    public KeyValue {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /** One name of an ARG instruction, with its default when one is written. */
  record ArgDeclaration(String name, Optional<String> defaultValue) {
    public ArgDeclaration {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(defaultValue, "defaultValue");
    }
  }

  /**
   * {@code FROM [--platform=p] image [AS name]}: starts a stage.
   *
   * @param image the base as written: an image reference, {@code scratch} or an earlier stage
   * @param stageName the stage name in lower case, when {@code AS name} is written
   * @param platform the {@code --platform} value as written, when given
   */
  record From(Location location, String image, Optional<String> stageName, Optional<String> platform)
      implements Instruction {}

  /**
   * {@code RUN}: a command run in the stage's filesystem.
   *
   * @param command the command; a lone {@code <<EOF} means "run the heredoc as a script"
   * @param mounts its {@code --mount} mounts
   * @param heredocs the here-documents of the line, in order
   */
  /**
   * A {@code RUN}; {@code network} is false for {@code --network=none} (no IPv4 or IPv6 socket,
   * loopback included; a step otherwise has the host's network, as with {@code --network=host}).
   */
  record Run(Location location, CommandLine command, List<Mount> mounts, List<Heredoc> heredocs,
      boolean network) implements Instruction {
    public Run {
      mounts = List.copyOf(mounts);
      heredocs = List.copyOf(heredocs);
    }

    /** A RUN with the network. */
    public Run(Location location, CommandLine command, List<Mount> mounts, List<Heredoc> heredocs) {
      this(location, command, mounts, heredocs, true);
    }
  }

  /** A {@code RUN --mount}: what a step sees at a path while it runs, never part of its layer. */
  sealed interface Mount permits CacheMount, BindMount, TmpfsMount, SecretMount, SshMount {
    /** Where it is mounted, as written (relative to the working directory unless absolute). */
    String target();
  }

  /**
   * A {@code RUN --mount=type=bind,...} mount: a file or directory of the build context, an earlier
   * stage or an image, seen at {@code target} while the step runs.
   *
   * @param from the stage or image it comes from, when {@code from=} is written (else the context)
   * @param source the path in the context, stage or image ({@code .} when not written: all of it)
   * @param readWrite whether the step may write there ({@code rw}); what it writes is dropped
   */
  record BindMount(String target, Optional<String> from, String source, boolean readWrite)
      implements Mount {}

  /** A {@code RUN --mount=type=tmpfs,target=...} mount: an empty directory, dropped after the step. */
  record TmpfsMount(String target) implements Mount {}

  /**
   * A {@code RUN --mount=type=secret,...} mount: a secret given to the build, seen by the step as a
   * file, an environment variable or both.
   *
   * @param id the secret's id ({@code id=}, else the target's file name)
   * @param target where the file is ({@code /run/secrets/ID} by default), as written; empty when
   *     only {@code env=} is written
   * @param env the environment variable holding it, when {@code env=} is written
   * @param required whether a secret not given fails the step (else it is not mounted)
   * @param mode the file's mode as written (octal), default 0400
   */
  record SecretMount(String id, String target, Optional<String> env, boolean required, String mode,
      String uid, String gid) implements Mount {}

  /**
   * A {@code RUN --mount=type=ssh,...} mount: an ssh agent given to the build, its socket seen by the
   * step at {@code target}; the step's {@code SSH_AUTH_SOCK} names the first such socket.
   *
   * @param id the agent's id ({@code id=}, default {@code default})
   * @param target where the socket is: as written, else {@code /run/buildkit/ssh_agent.N} for the
   *     step's N-th ssh mount (from 0), as BuildKit names it
   * @param required whether an agent not given fails the step (else it is not mounted)
   * @param mode the socket's mode as written (octal), default 0600
   */
  record SshMount(String id, String target, boolean required, String mode, String uid, String gid)
      implements Mount {}

  /**
   * A {@code RUN --mount=type=cache,...} mount: a directory kept between builds.
   *
   * @param target where it is mounted
   * @param id the cache's identity, when {@code id=} is written
   * @param sharing {@code shared} (the default), {@code private} or {@code locked}
   * @param readOnly whether it is mounted read-only
   * @param mode the directory mode as written (octal), when given
   * @param uid the directory owner, when given
   * @param gid the directory group, when given
   * @param from the stage or image whose {@code source} directory a new cache starts as, when
   *     {@code from=} is written (else a new cache is empty)
   * @param source that directory's path in {@code from} ({@code .}: all of it)
   */
  record CacheMount(String target, Optional<String> id, String sharing, boolean readOnly,
      Optional<String> mode, Optional<String> uid, Optional<String> gid, Optional<String> from,
      String source) implements Mount {
    /** A cache that starts empty. */
    public CacheMount(String target, Optional<String> id, String sharing, boolean readOnly,
        Optional<String> mode, Optional<String> uid, Optional<String> gid) {
      this(target, id, sharing, readOnly, mode, uid, gid, Optional.empty(), ".");
    }

    /**
     * The words a step's cache key holds: a cache without {@code from=} keeps the words (and so
     * the keys) it had before {@code from=} was read.
     */
    @Override
    public String toString() {
      return "CacheMount[target=" + target + ", id=" + id + ", sharing=" + sharing + ", readOnly="
          + readOnly + ", mode=" + mode + ", uid=" + uid + ", gid=" + gid
          + (from.isPresent() ? ", from=" + from.get() + ", source=" + source : "") + "]";
    }

    /** The identity the cache is kept under: {@code id}, else the target, as BuildKit does. */
    public String cacheId() {
      return id.filter(s -> !s.isEmpty()).orElse(target);
    }
  }

  /**
   * {@code COPY [--from=src] [--chown=u:g] [--chmod=m] [--link] src... dest}.
   *
   * @param sources the source paths (in the context, or in {@code from})
   * @param inlineSources heredoc sources ({@code COPY <<EOF /file}); each becomes a file named like
   *     its delimiter
   * @param destination the destination path
   * @param from a stage name, stage index or image, when {@code --from} is given
   * @param chown {@code --chown}, when given
   * @param chmod {@code --chmod}, when given
   * @param link whether {@code --link} was given (accepted: it only changes layer caching)
   * @param excludes the {@code --exclude} patterns, as written: what they match under each source
   *     directory (relative to it, as {@code .dockerignore} patterns) is not copied
   * @param parents {@code --parents}: each source keeps its directories (after a {@code /./} pivot)
   */
  record Copy(Location location, List<String> sources, List<Heredoc> inlineSources, String destination,
      Optional<String> from, Optional<String> chown, Optional<String> chmod, boolean link,
      List<String> excludes, boolean parents) implements Copying {
    public Copy {
      sources = List.copyOf(sources);
      inlineSources = List.copyOf(inlineSources);
      excludes = List.copyOf(excludes);
    }

    @Override
    public Optional<String> checksum() {
      return Optional.empty();
    }
  }

  /** What COPY and ADD have in common: they copy sources into the image. */
  sealed interface Copying extends Instruction {
    List<String> sources();

    List<Heredoc> inlineSources();

    String destination();

    /** {@code --from} (COPY only). */
    Optional<String> from();

    Optional<String> chown();

    Optional<String> chmod();

    /** {@code --checksum} (ADD only). */
    Optional<String> checksum();

    List<String> excludes();

    /** {@code --parents} (COPY only). */
    boolean parents();
  }

  /**
   * {@code ADD [--chown] [--chmod] [--link] [--checksum=sha256:...] [--exclude=PATTERN]... [--unpack[=BOOL]] src... dest}: as COPY from the
   * context, but a local tar archive is extracted and an http(s) URL is downloaded.
   *
   * @param checksum the digest a downloaded file must have, when {@code --checksum} is given
   * @param unpack {@code --unpack}: whether archives are extracted; by default local ones are and
   *     downloaded ones are not
   * @param keepGitDir {@code --keep-git-dir}: a git repository source keeps its {@code .git}
   */
  record Add(Location location, List<String> sources, List<Heredoc> inlineSources, String destination,
      Optional<String> chown, Optional<String> chmod, boolean link, Optional<String> checksum,
      List<String> excludes, Optional<Boolean> unpack, boolean keepGitDir) implements Copying {
    private static final java.util.regex.Pattern URL =
        java.util.regex.Pattern.compile("^https?://[^/?#]+.*", java.util.regex.Pattern.CASE_INSENSITIVE
            | java.util.regex.Pattern.DOTALL);

    private static final java.util.regex.Pattern GIT = java.util.regex.Pattern.compile(
        "^(?:(?:https?|git|ssh)://[^?#]*\\.git(?:[?#].*)?|git://.*|git@[^:/]+:.*|ssh://.*)$",
        java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.DOTALL);

    /** True when an ADD source is an http(s) URL of a file, to download. */
    public static boolean isUrl(String source) {
      return URL.matcher(source).matches() && !isGit(source);
    }

    /**
     * True when an ADD source is a git repository, as BuildKit tells one: an http(s) or ssh URL
     * ending in {@code .git} (then an optional {@code ?QUERY} or {@code #REF:SUBDIR}), a {@code git://} or
     * {@code ssh://} URL, or {@code git@host:path}.
     */
    public static boolean isGit(String source) {
      return GIT.matcher(source).matches();
    }

    public Add {
      sources = List.copyOf(sources);
      inlineSources = List.copyOf(inlineSources);
      excludes = List.copyOf(excludes);
    }

    @Override
    public Optional<String> from() {
      return Optional.empty();
    }

    @Override
    public boolean parents() {
      return false;
    }
  }

  /** {@code ENV k=v ...} (or legacy {@code ENV k v}). */
  record Env(Location location, List<KeyValue> pairs) implements Instruction {
    public Env {
      pairs = List.copyOf(pairs);
    }
  }

  /** {@code LABEL k=v ...}. */
  record Label(Location location, List<KeyValue> pairs) implements Instruction {
    public Label {
      pairs = List.copyOf(pairs);
    }
  }

  /**
   * {@code MAINTAINER name}: deprecated; Docker records it as the image config's {@code Author}.
   * {@link #asLabel()} gives the label Docker's documentation recommends instead.
   */
  record Maintainer(Location location, String name) implements Instruction {
    /** The {@code org.opencontainers.image.authors} label saying the same. */
    public Label asLabel() {
      return new Label(location, List.of(new KeyValue("org.opencontainers.image.authors", name)));
    }
  }

  /** {@code ARG name[=default] ...}: a build argument declared globally or in a stage. */
  record Arg(Location location, List<ArgDeclaration> declarations) implements Instruction {
    public Arg {
      declarations = List.copyOf(declarations);
    }
  }

  /** {@code WORKDIR path}. */
  record Workdir(Location location, String path) implements Instruction {}

  /** {@code USER user[:group]}. */
  record User(Location location, String user) implements Instruction {
    /** The part before {@code :}. */
    public String name() {
      int colon = user.indexOf(':');
      return colon < 0 ? user : user.substring(0, colon);
    }

    /** The part after {@code :}, when written. */
    public Optional<String> group() {
      int colon = user.indexOf(':');
      return colon < 0 ? Optional.empty() : Optional.of(user.substring(colon + 1));
    }
  }

  /** {@code ENTRYPOINT}. */
  record Entrypoint(Location location, CommandLine command) implements Instruction {}

  /** {@code CMD}. */
  record Cmd(Location location, CommandLine command) implements Instruction {}

  /** {@code SHELL ["exe", "arg"]}: the shell for later shell-form commands (exec form only). */
  record Shell(Location location, List<String> shell) implements Instruction {
    public Shell {
      shell = List.copyOf(shell);
    }
  }

  /** {@code EXPOSE port[/proto] ...}. */
  record Expose(Location location, List<String> ports) implements Instruction {
    public Expose {
      ports = List.copyOf(ports);
    }
  }

  /** {@code VOLUME ["/a"]} or {@code VOLUME /a /b}. */
  record Volume(Location location, List<String> paths) implements Instruction {
    public Volume {
      paths = List.copyOf(paths);
    }
  }

  /** {@code STOPSIGNAL signal}. */
  record StopSignal(Location location, String signal) implements Instruction {}

  /**
   * {@code HEALTHCHECK [options] CMD command} or {@code HEALTHCHECK NONE}. Durations not given are
   * zero (the runtime's default applies), retries not given are 0.
   *
   * @param test the command, empty when {@code NONE}
   */
  record Healthcheck(Location location, boolean none, Optional<CommandLine> test, Duration interval,
      Duration timeout, Duration startPeriod, Duration startInterval, int retries)
      implements Instruction {}

  /**
   * {@code ONBUILD instruction}: a trigger stored in the image for builds that use it as a base.
   *
   * @param expression the trigger as Docker stores it (heredoc bodies appended)
   * @param trigger the trigger parsed, to check it now rather than in a later build
   */
  record Onbuild(Location location, String expression, Instruction trigger) implements Instruction {}
}
