package dev.lading.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code lading mirror} process on a free loopback port, its output in a log file. */
final class MirrorProcess implements AutoCloseable {
  private static final Pattern SERVING =
      Pattern.compile("serving .* at (https?)://([0-9.]+:[0-9]+|\\[[0-9a-f:]+\\]:[0-9]+)/v2/");

  final Process process;
  final Path log;
  /** host:port */
  final String host;
  /** http or https */
  final String scheme;

  private MirrorProcess(Process process, Path log, String scheme, String host) {
    this.process = process;
    this.log = log;
    this.scheme = scheme;
    this.host = host;
  }

  /** Starts {@code lading mirror ARGS} (on 127.0.0.1:0 unless they say --listen) over {@code store}, logging to {@code log}. */
  static MirrorProcess start(Path store, Path log, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("mirror"));
    if (!List.of(args).contains("--listen")) {
      command.addAll(List.of("--listen", "127.0.0.1:0"));
    }
    command.addAll(List.of(args));
    Process process = new LadingJar(store).start(log, command.toArray(String[]::new));
    for (int i = 0; i < 600; i++) {
      if (Files.exists(log)) {
        Matcher m = SERVING.matcher(Files.readString(log));
        if (m.find()) {
          return new MirrorProcess(process, log, m.group(1), m.group(2));
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    process.destroyForcibly();
    throw new AssertionError("the mirror did not start:\n"
        + (Files.exists(log) ? Files.readString(log) : ""));
  }

  String url(String path) {
    return scheme + "://" + host + path;
  }

  String output() throws java.io.IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the mirror did not stop on SIGTERM");
    }
  }
}
