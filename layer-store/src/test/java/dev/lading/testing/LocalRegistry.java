package dev.lading.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A real CNCF distribution registry ({@code docker-registry}) on a free loopback port, with its storage
 * in a temporary directory. Tests start it, use it through {@link #hostPort()}, and close it.
 */
public final class LocalRegistry implements AutoCloseable {
  private Process process;
  private final String address;
  private final int port;
  private final Path root;
  private final Path log;

  private LocalRegistry(Process process, String address, int port, Path root, Path log) {
    this.process = process;
    this.address = address;
    this.port = port;
    this.root = root;
    this.log = log;
  }

  /** Starts an open (no auth) registry. */
  public static LocalRegistry start() throws IOException {
    return start(List.of());
  }

  /**
   * Starts a registry with extra YAML lines appended to its configuration (for example an {@code auth:}
   * section).
   */
  public static LocalRegistry start(List<String> extraConfig) throws IOException {
    return start("127.0.0.1", extraConfig, false);
  }

  /**
   * As {@link #start(List)}, listening on {@code address} (an address of this machine) instead of
   * loopback: for what clients treat differently on loopback (plain HTTP, unverified TLS).
   */
  public static LocalRegistry startOn(String address, List<String> extraConfig) throws IOException {
    return start(address, extraConfig, false);
  }

  /**
   * Starts an open registry whose {@link #log()} has an access-log line per request ({@code "GET /v2/
   * HTTP/1.1" 200 ... "user-agent"}), for tests about what a client sends.
   */
  public static LocalRegistry startWithAccessLog() throws IOException {
    return start("127.0.0.1", List.of(), true);
  }

  /**
   * An open registry with an access log on loopback port {@code port}: for a client configured
   * before its registry exists, or a registry brought back where it was.
   */
  public static LocalRegistry startOnPort(int port) throws IOException {
    return start("127.0.0.1", List.of(), true, port);
  }

  private static LocalRegistry start(String address, List<String> extraConfig, boolean accessLog)
      throws IOException {
    return start(address, extraConfig, accessLog, freePort());
  }

  private static LocalRegistry start(String address, List<String> extraConfig, boolean accessLog,
      int port) throws IOException {
    Path binary = RequiredTool.require("docker-registry", "docker-registry");
    Path root = Files.createTempDirectory("lading-registry-");
    List<String> config = new ArrayList<>(List.of(
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        "    disabled: " + !accessLog,
        "storage:",
        "  filesystem:",
        "    rootdirectory: " + root.resolve("data"),
        "  delete:",
        "    enabled: true",
        "http:",
        "  addr: " + address + ":" + port));
    config.addAll(extraConfig);
    Path configFile = root.resolve("config.yml");
    Files.write(configFile, config, StandardCharsets.UTF_8);
    Path log = root.resolve("registry.log");
    Process process = new ProcessBuilder(binary.toString(), "serve", configFile.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    LocalRegistry registry = new LocalRegistry(process, address, port, root, log);
    registry.awaitReady(Duration.ofSeconds(20));
    return registry;
  }

  /** {@code 127.0.0.1:PORT}, or the address it was started on. */
  public String hostPort() {
    return address + ":" + port;
  }

  public int port() {
    return port;
  }

  /** The registry's storage and config directory. */
  public Path root() {
    return root;
  }

  /** What the registry printed, for failure messages. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void awaitReady(Duration timeout) throws IOException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create("http://" + hostPort() + "/v2/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(500);
        int code = c.getResponseCode();
        c.disconnect();
        // 400: a TLS registry answering plain HTTP ("Client sent an HTTP request to an HTTPS server").
        if (code == 200 || code == 401 || code == 400) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for docker-registry", e);
      }
    }
    close();
    throw new IOException("docker-registry did not answer on " + hostPort() + " within " + timeout
        + ":\n" + log());
  }

  /** A free TCP port on loopback (a race with other processes is possible but rare). */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Stops the registry but keeps its storage, as when a CI job's registry goes away; {@link #restart}
   * brings it back on the same port with the same content.
   */
  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** True while the registry process runs. */
  public boolean isRunning() {
    return process.isAlive();
  }

  /** Starts a {@link #stop() stopped} registry again, where it was and with what it held. */
  public void restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("the registry on " + hostPort() + " is running");
    }
    process = new ProcessBuilder(RequiredTool.require("docker-registry", "docker-registry").toString(),
        "serve", root.resolve("config.yml").toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    awaitReady(Duration.ofSeconds(20));
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(5),
          java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    TestFiles.deleteRecursively(root);
  }
}
