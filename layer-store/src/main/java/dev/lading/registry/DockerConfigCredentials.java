package dev.lading.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Credentials the way the docker CLI finds them in {@code config.json}: a per-host {@code credHelpers}
 * entry wins, then the default {@code credsStore}, then the inline {@code auths} entries (base64
 * {@code auth} or {@code username}/{@code password}). Helpers are run as
 * {@code docker-credential-<name> get} with the server URL on stdin. A helper that has nothing for the
 * host means anonymous; a helper that is missing or fails is an error, because silently going
 * anonymous would turn it into a puzzling 401 later.
 *
 * <p>Not supported: {@code identitytoken} (OAuth refresh tokens); such entries are ignored.
 */
public final class DockerConfigCredentials implements CredentialProvider {
  private static final long HELPER_TIMEOUT_SECONDS = 30;

  private final Path configFile;
  private final List<Path> helperSearchPath;

  private DockerConfigCredentials(Path configFile, List<Path> helperSearchPath) {
    this.configFile = configFile;
    this.helperSearchPath = List.copyOf(helperSearchPath);
  }

  /**
   * Reads {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}, and finds helpers on
   * {@code $PATH}. A missing file simply yields no credentials.
   */
  public static DockerConfigCredentials fromEnvironment() {
    String dockerConfig = System.getenv("DOCKER_CONFIG");
    Path dir = dockerConfig != null && !dockerConfig.isBlank()
        ? Path.of(dockerConfig)
        : Path.of(System.getProperty("user.home"), ".docker");
    List<Path> path = new ArrayList<>();
    String env = System.getenv().getOrDefault("PATH", "");
    for (String entry : env.split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        path.add(Path.of(entry));
      }
    }
    return new DockerConfigCredentials(dir.resolve("config.json"), path);
  }

  /** Reads the given {@code config.json} and looks for {@code docker-credential-*} in the given directories. */
  public static DockerConfigCredentials of(Path configJson, List<Path> helperSearchPath) {
    return new DockerConfigCredentials(configJson, helperSearchPath);
  }

  /**
   * Credentials from one named helper for any host, whatever config.json says: Jib's
   * {@code <credHelper>}. {@code name} is the helper's suffix ({@code ecr-login} runs
   * {@code docker-credential-ecr-login} from the search path) or a path to the helper.
   */
  public CredentialProvider helper(String name) {
    return helper(name, Map.of());
  }

  /**
   * As {@link #helper(String)}, the helper run with {@code environment} added to this process's (Jib's
   * {@code <credHelper><environment>}, e.g. {@code AWS_PROFILE} for {@code ecr-login}).
   */
  public CredentialProvider helper(String name, Map<String, String> environment) {
    Map<String, String> env = Map.copyOf(environment);
    return host -> runHelper(name, RegistryHosts.credentialKey(host), "the build configuration", env);
  }

  /** The file this provider reads. */
  public Path configFile() {
    return configFile;
  }

  @Override
  public Optional<Credential> credentialsFor(String registryHost) throws IOException {
    JsonNode config = readConfig();
    if (config == null) {
      return Optional.empty();
    }
    String key = RegistryHosts.credentialKey(registryHost);
    String helper = findByKey(config.get("credHelpers"), key).map(JsonNode::asText).orElse(null);
    if (helper == null && config.hasNonNull("credsStore")) {
      helper = config.get("credsStore").asText();
    }
    if (helper != null && !helper.isBlank()) {
      Optional<Credential> fromHelper = runHelper(helper, key, configFile.toString(), Map.of());
      if (fromHelper.isPresent()) {
        return fromHelper;
      }
    }
    Optional<JsonNode> entry = findByKey(config.get("auths"), key);
    return entry.isPresent() ? fromAuthEntry(entry.get(), key) : Optional.empty();
  }

  private JsonNode readConfig() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(configFile);
    } catch (NoSuchFileException absent) {
      return null;
    }
    try {
      return Json.mapper().readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("cannot read " + configFile + ": it is not valid JSON (" + e.getOriginalMessage()
          + "); fix or remove it", e);
    }
  }

  /** The entry whose key, normalised (scheme, path and Docker Hub aliases folded), equals {@code key}. */
  private static Optional<JsonNode> findByKey(JsonNode map, String key) {
    if (map == null || !map.isObject()) {
      return Optional.empty();
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (RegistryHosts.credentialKey(e.getKey()).equals(key)) {
        return Optional.of(e.getValue());
      }
    }
    return Optional.empty();
  }

  private Optional<Credential> fromAuthEntry(JsonNode entry, String key) throws IOException {
    if (entry.hasNonNull("auth") && !entry.get("auth").asText().isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(entry.get("auth").asText().trim()),
            StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IOException("the auths entry for " + key + " in " + configFile
            + " is not valid base64; run docker login " + key + " again", e);
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new IOException("the auths entry for " + key + " in " + configFile
            + " is not base64 of user:password; run docker login " + key + " again");
      }
      return Optional.of(new Credential(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
    if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
      return Optional.of(new Credential(entry.get("username").asText(), entry.get("password").asText()));
    }
    return Optional.empty();
  }

  private Optional<Credential> runHelper(String name, String key, String configuredIn,
      Map<String, String> environment) throws IOException {
    boolean isPath = name.contains(File.separator);
    String command = isPath ? name : "docker-credential-" + name;
    Path helper = isPath
        ? Optional.of(Path.of(name)).filter(Files::isExecutable).orElseThrow(() -> new IOException(
            "credential helper " + name + " (configured in " + configuredIn + ") is not an executable file"))
        : helperSearchPath.stream()
            .map(dir -> dir.resolve(command))
            .filter(Files::isExecutable)
            .findFirst()
            .orElseThrow(() -> new IOException(command + " (configured in " + configuredIn
                + ") is not on the PATH; install it or remove it from there"));
    // The docker CLI stores Docker Hub under its historical v1 URL, everything else by host name.
    String serverUrl = RegistryHosts.DOCKER_HUB.equals(key) ? RegistryHosts.DOCKER_HUB_SERVER_URL : key;
    ProcessBuilder builder = new ProcessBuilder(helper.toString(), "get");
    builder.environment().putAll(environment);
    Process process = builder.start();
    CompletableFuture<byte[]> stderr = readAsync(process.getErrorStream());
    byte[] stdout;
    try {
      try (OutputStream in = process.getOutputStream()) {
        in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
      }
      stdout = process.getInputStream().readAllBytes();
      if (!process.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(command + " get did not finish within " + HELPER_TIMEOUT_SECONDS + "s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while running " + command);
    }
    String out = new String(stdout, StandardCharsets.UTF_8).strip();
    String err = new String(stderr.join(), StandardCharsets.UTF_8).strip();
    if (process.exitValue() != 0) {
      // The helper protocol's way of saying "nothing stored for this server".
      if ((out + err).toLowerCase(java.util.Locale.ROOT).contains("credentials not found")) {
        return Optional.empty();
      }
      throw new IOException(command + " get failed for " + serverUrl + " (exit " + process.exitValue()
          + "): " + (out + " " + err).strip() + "; check the helper or remove it from " + configuredIn);
    }
    JsonNode json;
    try {
      json = Json.mapper().readTree(stdout);
    } catch (IOException e) {
      throw new IOException(command + " get printed something that is not JSON for " + serverUrl, e);
    }
    if (json == null || !json.hasNonNull("Username") || !json.hasNonNull("Secret")) {
      throw new IOException(command + " get answered without Username/Secret for " + serverUrl);
    }
    return Optional.of(new Credential(json.get("Username").asText(), json.get("Secret").asText()));
  }

  private static CompletableFuture<byte[]> readAsync(InputStream in) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (in) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        in.transferTo(buffer);
        result.complete(buffer.toByteArray());
      } catch (IOException e) {
        result.complete(new byte[0]);
      }
    }, "credential-helper-stderr");
    t.setDaemon(true);
    t.start();
    return result;
  }

  @Override
  public String toString() {
    return "DockerConfigCredentials[" + configFile + "]";
  }
}
