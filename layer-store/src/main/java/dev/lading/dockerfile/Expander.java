package dev.lading.dockerfile;

import dev.lading.dockerfile.Instruction.ArgDeclaration;
import dev.lading.dockerfile.Instruction.Mount;
import dev.lading.dockerfile.Instruction.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Expands the variables of one stage's instructions as Docker does, keeping the stage's scope.
 *
 * <p>Expanded: ADD, COPY (sources, destination, --from, --chown, --chmod, heredoc bodies unless the
 * delimiter is quoted), ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG defaults, RUN
 * --mount fields. Not expanded by the builder: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK (their
 * shell does it at run time), ONBUILD (expanded when the trigger runs), MAINTAINER.
 *
 * <p>Scope: an ENV beats an ARG of the same name; an ARG is visible only after its declaration in
 * the stage; {@code ARG NAME} without a default takes the {@code --build-arg} value, else the global
 * ARG's value; a {@code --build-arg} beats a default. FROM lines see only the global scope
 * ({@link #expandFrom}).
 *
 * <p>One expander per stage, used in instruction order by one thread: it keeps the stage's state.
 * Per-stage {@code FROM --platform} does not change the {@code TARGET*} args (they are the build's).
 */
public final class Expander {
  /** One word's expansion. */
  @FunctionalInterface
  interface WordFunction {
    String apply(String word) throws DockerfileException;
  }

  private final BuildArgs buildArgs;
  private final Map<String, String> globals;
  private final ShellLexer lexer;
  private final Map<String, String> env = new LinkedHashMap<>();
  private final Map<String, String> args = new LinkedHashMap<>();

  private Expander(BuildArgs buildArgs, Map<String, String> globals, char escape,
      Map<String, String> baseEnv) {
    this.buildArgs = buildArgs;
    this.globals = globals;
    this.lexer = ShellLexer.of(escape);
    this.env.putAll(baseEnv);
  }

  /**
   * The expander of one stage.
   *
   * @param baseEnv the environment of the base image's config (or of the base stage), in order
   */
  public static Expander forStage(Dockerfile dockerfile, BuildArgs buildArgs, Map<String, String> baseEnv)
      throws DockerfileException {
    Objects.requireNonNull(baseEnv, "baseEnv");
    return new Expander(buildArgs, buildArgs.globals(dockerfile), dockerfile.escape(), baseEnv);
  }

  /** A stage's FROM with its image and platform expanded from the global scope only. */
  public static Instruction.From expandFrom(Dockerfile dockerfile, BuildArgs buildArgs, Stage stage)
      throws DockerfileException {
    Map<String, String> globals = buildArgs.globals(dockerfile);
    ShellLexer lexer = ShellLexer.of(dockerfile.escape());
    Instruction.From from = stage.from();
    String image = word(lexer, from.image(), globals::get, from);
    if (image.isBlank()) {
      throw new DockerfileException(from.location().line(), "FROM", "base name (" + from.image()
          + ") should not be blank; give the ARG it uses a value");
    }
    Optional<String> platform = from.platform().isEmpty() ? Optional.empty()
        : Optional.of(word(lexer, from.platform().get(), globals::get, from));
    return new Instruction.From(from.location(), image, from.stageName(), platform);
  }

  /**
   * The instruction with its words expanded in the current scope; an ARG or ENV then joins the
   * scope. Instructions the builder does not expand come back unchanged.
   */
  public Instruction expand(Instruction instruction) throws DockerfileException {
    WordFunction w = this::word;
    if (instruction instanceof Instruction.Env e) {
      List<KeyValue> pairs = keyValues(e.pairs(), e);
      pairs.forEach(p -> env.put(p.key(), p.value()));
      return new Instruction.Env(e.location(), pairs);
    } else if (instruction instanceof Instruction.Arg a) {
      return declare(a);
    } else if (instruction instanceof Instruction.Label l) {
      return new Instruction.Label(l.location(), keyValues(l.pairs(), l));
    } else if (instruction instanceof Instruction.Copy c) {
      return new Instruction.Copy(c.location(), all(c.sources(), c), heredocs(c.inlineSources(), c),
          at(c, w, c.destination()), opt(c.from(), c), opt(c.chown(), c), opt(c.chmod(), c), c.link(),
          c.excludes(), c.parents()); // excludes not expanded, as in BuildKit
    } else if (instruction instanceof Instruction.Add a) {
      Instruction.Add expanded = new Instruction.Add(a.location(), all(a.sources(), a),
          heredocs(a.inlineSources(), a), at(a, w, a.destination()), opt(a.chown(), a), opt(a.chmod(), a),
          a.link(), opt(a.checksum(), a), a.excludes(), a.unpack(), a.keepGitDir());
      try {
        return InstructionParser.checkRemote(expanded);
      } catch (DockerfileException e) {
        throw e.at(a.location().line(), "ADD");
      }
    } else if (instruction instanceof Instruction.Workdir d) {
      return new Instruction.Workdir(d.location(), at(d, w, d.path()));
    } else if (instruction instanceof Instruction.User u) {
      return new Instruction.User(u.location(), at(u, w, u.user()));
    } else if (instruction instanceof Instruction.StopSignal s) {
      return new Instruction.StopSignal(s.location(), at(s, w, s.signal()));
    } else if (instruction instanceof Instruction.Volume v) {
      return new Instruction.Volume(v.location(), all(v.paths(), v));
    } else if (instruction instanceof Instruction.Expose x) {
      List<String> ports = new ArrayList<>();
      for (String port : all(x.ports(), x)) {
        // EXPOSE $PORTS with PORTS="80 443" exposes both.
        for (String p : port.strip().split("\\s+")) {
          if (!p.isEmpty()) {
            ports.add(p);
          }
        }
      }
      return new Instruction.Expose(x.location(), ports);
    } else if (instruction instanceof Instruction.Run r && !r.mounts().isEmpty()) {
      List<Mount> mounts = new ArrayList<>();
      for (Mount m : r.mounts()) {
        try {
          mounts.add(RunFlags.expand(m, this::word));
        } catch (DockerfileException e) {
          throw e.at(r.location().line(), "RUN");
        }
      }
      return new Instruction.Run(r.location(), r.command(), mounts, r.heredocs(), r.network());
    }
    return instruction;
  }

  /** One word expanded in the current scope: quotes and escapes removed, variables substituted. */
  public String word(String word) throws DockerfileException {
    return lexer.processWord(word, this::lookup);
  }

  /** The ENV of the stage so far (base environment included). */
  public Map<String, String> env() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(env));
  }

  /** The ARGs declared in the stage so far that have a value. */
  public Map<String, String> args() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(args));
  }

  /**
   * The environment a RUN sees now: the ENV, the stage's ARGs not shadowed by an ENV, and the proxy
   * args given with {@code --build-arg}.
   */
  public Map<String, String> runEnvironment() {
    Map<String, String> out = new LinkedHashMap<>(buildArgs.proxyArgs());
    out.putAll(args);
    out.putAll(env);
    return Collections.unmodifiableMap(out);
  }

  private String lookup(String name) {
    String value = env.get(name);
    return value != null ? value : args.get(name);
  }

  private Instruction declare(Instruction.Arg arg) throws DockerfileException {
    List<ArgDeclaration> expanded = new ArrayList<>();
    // One by one, as BuildKit: in ARG A=1 B=$A, B sees A.
    for (ArgDeclaration d : arg.declarations()) {
      String name = at(arg, this::word, d.name());
      Optional<String> defaultValue = d.defaultValue().isEmpty() ? Optional.empty()
          : Optional.of(at(arg, this::word, d.defaultValue().get()));
      Optional<String> value = buildArgs.value(name).or(() -> defaultValue)
          .or(() -> Optional.ofNullable(globals.get(name)));
      value.ifPresent(v -> args.put(name, v));
      expanded.add(new ArgDeclaration(name, defaultValue));
    }
    return new Instruction.Arg(arg.location(), expanded);
  }

  private List<KeyValue> keyValues(List<KeyValue> pairs, Instruction in) throws DockerfileException {
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue p : pairs) {
      String key = at(in, this::word, p.key());
      if (key.isEmpty()) {
        throw new DockerfileException(in.location().line(), in.keyword(),
            in.keyword() + " names can not be blank (" + p.key() + " expands to nothing)");
      }
      out.add(new KeyValue(key, at(in, this::word, p.value())));
    }
    return out;
  }

  private List<String> all(List<String> words, Instruction in) throws DockerfileException {
    List<String> out = new ArrayList<>();
    for (String word : words) {
      out.add(at(in, this::word, word));
    }
    return out;
  }

  private Optional<String> opt(Optional<String> word, Instruction in) throws DockerfileException {
    return word.isEmpty() ? word : Optional.of(at(in, this::word, word.get()));
  }

  private List<Heredoc> heredocs(List<Heredoc> docs, Instruction in) throws DockerfileException {
    ShellLexer raw = ShellLexer.of('\\').ignoringQuotes();
    List<Heredoc> out = new ArrayList<>();
    for (Heredoc h : docs) {
      out.add(h.expand() ? h.withContent(word(raw, h.content(), this::lookup, in)) : h);
    }
    return out;
  }

  private static String at(Instruction in, WordFunction f, String word) throws DockerfileException {
    try {
      return f.apply(word);
    } catch (DockerfileException e) {
      throw e.at(in.location().line(), in.keyword());
    }
  }

  /** A word expanded with a lexer and a scope, problems located on the instruction. */
  static String word(ShellLexer lexer, String word, Function<String, String> scope, Instruction in)
      throws DockerfileException {
    return at(in, x -> lexer.processWord(x, scope), word);
  }
}
