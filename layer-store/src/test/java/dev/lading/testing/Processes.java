package dev.lading.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command to completion and captures what it printed. */
public final class Processes {
  private Processes() {}

  /** The outcome of a command. */
  public record Result(int exitCode, String output) {
    /** Fails with the command's output unless it exited 0. */
    public Result assertSuccess(List<String> command) {
      if (exitCode != 0) {
        throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  /** Runs {@code command} (stdout and stderr merged) with a timeout in seconds. */
  public static Result run(List<String> command, long timeoutSeconds) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out;
    try {
      out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + "s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** Runs a command and fails the test unless it exits 0; returns its output. */
  public static String check(List<String> command, long timeoutSeconds) throws IOException {
    return run(command, timeoutSeconds).assertSuccess(command).output();
  }
}
