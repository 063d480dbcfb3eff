package dev.lading.exec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Starts an executor's host command with exactly the given environment and streams its output lines. */
final class CommandLine {
  /** Enters the working directory ($1), creating it as Docker does for WORKDIR, and drops it from "$@". */
  static final String ENTER = "mkdir -p \"$1\" && cd \"$1\" && shift";

  /** {@link #ENTER}, then runs the command in the shell's place. */
  private static final String ENTER_WORKDIR = ENTER + " && exec \"$@\"";

  private CommandLine() {}

  /**
   * The command inside the root: as is for {@code /}, else behind the image's {@code /bin/sh}, which
   * enters the working directory (chroot(1) always starts in {@code /}).
   */
  static List<String> inWorkdir(RunSpec spec) {
    if (spec.workdir().equals("/")) {
      return spec.argv();
    }
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", ENTER_WORKDIR, "lading", spec.workdir()));
    command.addAll(spec.argv());
    return command;
  }

  /** SIGTERM first: behind {@link StepInit}, that stops every process of the step, not only the first. */
  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException again) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Runs {@code command} with {@code env} only, in {@code dir}; every output line goes to {@code output}. */
  static int run(List<String> command, Map<String, String> env, Path dir, Consumer<String> output)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    Process process = pb.start();
    process.getOutputStream().close();
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        output.accept(line);
      }
    }
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      stop(process);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running " + command.get(0));
    }
  }
}
