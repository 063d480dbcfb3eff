package dev.lading.dockerfile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code --build-arg} values of a build and its platforms; it resolves the global ARGs, which
 * are what FROM lines may use.
 *
 * <p>Predefined proxy args ({@code HTTP_PROXY}, {@code https_proxy}, ...) reach RUN commands
 * without an ARG, as in Docker, but are not expanded in instructions unless declared. The
 * automatic platform args ({@code TARGETPLATFORM}, {@code TARGETOS}, {@code TARGETARCH},
 * {@code TARGETVARIANT}, {@code BUILDPLATFORM}, {@code BUILDOS}, {@code BUILDARCH},
 * {@code BUILDVARIANT}) are global: FROM lines see them, a stage sees them after {@code ARG NAME}.
 */
public final class BuildArgs {
  /** The args Docker predefines: usable in RUN without an ARG instruction. */
  public static final Set<String> PROXY_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
      "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

  private final Map<String, String> values;
  private final String targetPlatform;
  private final String buildPlatform;

  private BuildArgs(Map<String, String> values, String targetPlatform, String buildPlatform) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.targetPlatform = targetPlatform;
    this.buildPlatform = buildPlatform;
  }

  /** No build args; both platforms {@code linux/amd64} until set. */
  public static BuildArgs none() {
    return of(Map.of());
  }

  /** The given {@code --build-arg} values; both platforms {@code linux/amd64} until set. */
  public static BuildArgs of(Map<String, String> values) {
    values.forEach((k, v) -> Objects.requireNonNull(v, k));
    return new BuildArgs(values, "linux/amd64", "linux/amd64");
  }

  /** The platform the image is built for ({@code os/arch[/variant]}). */
  public BuildArgs withTargetPlatform(String platform) {
    return new BuildArgs(values, Objects.requireNonNull(platform, "platform"), buildPlatform);
  }

  /** The platform the build runs on ({@code os/arch[/variant]}). */
  public BuildArgs withBuildPlatform(String platform) {
    return new BuildArgs(values, targetPlatform, Objects.requireNonNull(platform, "platform"));
  }

  /** The value given for {@code name} with {@code --build-arg}. */
  public Optional<String> value(String name) {
    return Optional.ofNullable(values.get(name));
  }

  /** All values given. */
  public Map<String, String> values() {
    return values;
  }

  /** The automatic platform args and their values. */
  public Map<String, String> platformArgs() {
    Map<String, String> out = new LinkedHashMap<>();
    put(out, "TARGET", targetPlatform);
    put(out, "BUILD", buildPlatform);
    return out;
  }

  private static void put(Map<String, String> out, String prefix, String platform) {
    String[] parts = platform.split("/", -1);
    out.put(prefix + "PLATFORM", platform);
    out.put(prefix + "OS", parts[0]);
    out.put(prefix + "ARCH", parts.length > 1 ? parts[1] : "");
    out.put(prefix + "VARIANT", parts.length > 2 ? parts[2] : "");
  }

  /** The proxy args given with {@code --build-arg}: passed to RUN without a declaration. */
  public Map<String, String> proxyArgs() {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> {
      if (PROXY_ARGS.contains(k)) {
        out.put(k, v);
      }
    });
    return out;
  }

  /**
   * The global scope: the platform args, then each ARG before the first FROM in order, valued by
   * its {@code --build-arg} or else its default (expanded with the args before it). An ARG with
   * neither is declared but unset, and left out.
   */
  public Map<String, String> globals(Dockerfile dockerfile) throws DockerfileException {
    Map<String, String> scope = new LinkedHashMap<>(platformArgs());
    ShellLexer lexer = ShellLexer.of(dockerfile.escape());
    for (Instruction.Arg arg : dockerfile.globalArgs()) {
      Map<String, String> before = Map.copyOf(scope);
      for (Instruction.ArgDeclaration d : arg.declarations()) {
        String name = Expander.word(lexer, d.name(), before::get, arg);
        Optional<String> given = value(name);
        if (given.isPresent()) {
          scope.put(name, given.get());
        } else if (d.defaultValue().isPresent()) {
          scope.put(name, Expander.word(lexer, d.defaultValue().get(), before::get, arg));
        }
        // Neither: declared but unset, unless it names a platform arg, which keeps its value.
      }
    }
    return Collections.unmodifiableMap(scope);
  }

  /** Names given with {@code --build-arg} that no ARG of the Dockerfile declares (Docker warns). */
  public List<String> unused(Dockerfile dockerfile) {
    java.util.Set<String> declared = new java.util.HashSet<>(PROXY_ARGS);
    dockerfile.globalArgs().forEach(a -> a.declarations().forEach(d -> declared.add(d.name())));
    for (Stage stage : dockerfile.stages()) {
      for (Instruction i : stage.instructions()) {
        if (i instanceof Instruction.Arg a) {
          a.declarations().forEach(d -> declared.add(d.name()));
        }
      }
    }
    return values.keySet().stream().filter(k -> !declared.contains(k)).sorted().toList();
  }
}
