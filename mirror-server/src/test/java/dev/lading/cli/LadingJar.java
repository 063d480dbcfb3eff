package dev.lading.cli;

import dev.lading.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the built {@code lading.jar} as a separate process, as a user would. */
final class LadingJar {
  private final Path jar;
  private final Path store;

  LadingJar(Path store) {
    this.jar = Path.of(System.getProperty("lading.jar", "target/lading.jar"));
    this.store = store;
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run 'mvn package' first");
    }
  }

  /** Runs {@code lading --store STORE? ARGS} and returns exit code and output (stdout+stderr). */
  Processes.Result run(String... args) throws IOException {
    return Processes.run(command(args), 300);
  }

  /** Starts {@code lading ARGS} in the background, its output discarded. */
  Process start(String... args) throws IOException {
    return new ProcessBuilder(command(args)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** Starts {@code lading ARGS} in the background, its output going to {@code log}. */
  Process start(Path log, String... args) throws IOException {
    return new ProcessBuilder(command(args)).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
  }

  private List<String> command(String... args) {
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString()));
    command.addAll(List.of(args));
    if (store != null && args.length > 0 && !args[0].startsWith("-")) {
      // --store belongs to the (sub)command; appending keeps positional arguments in place.
      command.add("--store");
      command.add(store.toString());
    }
    return command;
  }

  /** Runs and fails unless the command exits 0. */
  String ok(String... args) throws IOException {
    Processes.Result r = run(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("lading " + String.join(" ", args) + " exited " + r.exitCode() + ":\n"
          + r.output());
    }
    return r.output();
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
