package dev.lading.build.dockerfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The ssh agents a build forwards to its {@code RUN --mount=type=ssh} steps ({@code docker build
 * --ssh}): each an id and the agent's socket. The step reaches the agent through the socket, so it
 * can sign with the agent's keys but never reads them; nothing of it reaches a layer or the step
 * cache key.
 */
public final class SshAgents {
  private SshAgents() {}

  /**
   * Parses {@code --ssh ID[=SOCKET]}: the agent at {@code SOCKET}, or without it the one
   * {@code SSH_AUTH_SOCK} names (the id is usually {@code default}). Key files, which BuildKit also
   * takes, are refused with how to load them into an agent: Lading forwards agents only.
   *
   * @param env looks up environment variables
   * @throws IllegalArgumentException with what to do, when there is no agent socket there
   */
  public static Map.Entry<String, Path> parse(String spec, Function<String, String> env) {
    return parse(spec, env, "--ssh");
  }

  /** As {@link #parse(String, Function)}, its messages naming the value as {@code label} does. */
  public static Map.Entry<String, Path> parse(String spec, Function<String, String> env, String label) {
    String what = label + " " + spec + ": ";
    int eq = spec.indexOf('=');
    String id = (eq < 0 ? spec : spec.substring(0, eq)).strip();
    if (id.isEmpty()) {
      throw new IllegalArgumentException(what + "name it: --ssh default or --ssh ID=SOCKET");
    }
    String socket;
    if (eq < 0) {
      socket = env.apply("SSH_AUTH_SOCK");
      if (socket == null || socket.isEmpty()) {
        throw new IllegalArgumentException(what + "SSH_AUTH_SOCK is not set; start an agent and add"
            + " the key (eval \"$(ssh-agent)\" && ssh-add KEYFILE), or name its socket: --ssh " + id + "=SOCKET");
      }
    } else {
      socket = spec.substring(eq + 1);
    }
    if (socket.contains(",")) {
      throw new IllegalArgumentException(what + "Lading forwards one ssh agent's socket per id, not"
          + " key files; load the keys into an agent (eval \"$(ssh-agent)\" && ssh-add KEYFILE...) and pass --ssh "
          + id);
    }
    Path path = Path.of(socket).toAbsolutePath();
    if (!isSocket(path)) {
      throw new IllegalArgumentException(what + path + (Files.isRegularFile(path)
          ? " is a file, not an ssh agent's socket: Lading forwards agents, not key files; load it into one"
              + " (eval \"$(ssh-agent)\" && ssh-add " + path + ") and pass --ssh " + id
          : Files.exists(path) ? " is not a socket; name an ssh agent's socket (SSH_AUTH_SOCK)"
          : " does not exist; is the ssh agent running? (eval \"$(ssh-agent)\" && ssh-add KEYFILE)"));
    }
    return Map.entry(id, path);
  }

  /** Each of {@code specs} parsed as {@link #parse(String, Function, String)} does, by id (the last wins). */
  public static Map<String, Path> parseAll(List<String> specs, Function<String, String> env, String label) {
    Map<String, Path> agents = new LinkedHashMap<>();
    for (String spec : specs) {
      Map.Entry<String, Path> one = parse(spec, env, label);
      agents.put(one.getKey(), one.getValue());
    }
    return agents;
  }

  /** Whether {@code path} is a Unix domain socket (S_IFSOCK). */
  static boolean isSocket(Path path) {
    try {
      int mode = (Integer) Files.getAttribute(path, "unix:mode");
      return (mode & 0170000) == 0140000;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }
}
