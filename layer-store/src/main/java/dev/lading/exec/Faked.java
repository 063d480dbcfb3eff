package dev.lading.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A faked in the foreground, our child (the host's, or the image release's started by its
 * loader), with the state loaded; it saves the state when it stops.
 */
record Faked(String key, long pid, Process process) {
  /** The ids libfakeroot reports to the program, in its environment: USER without a real setuid. */
  static void reportIds(java.util.Map<String, String> env, ImageUser user) {
    for (String id : List.of("UID", "EUID", "SUID", "FUID")) {
      env.put("FAKEROOT" + id, Long.toString(user.uid()));
    }
    for (String id : List.of("GID", "EGID", "SGID", "FGID")) {
      env.put("FAKEROOT" + id, Long.toString(user.gid()));
    }
  }

  /**
   * Starts {@code faked} with {@code state} loaded. Behind {@link StepHelper}, when there is one, it
   * stops (saving its state and removing its System V message queue and semaphore) when Lading dies,
   * however killed: a faked left running keeps its IPC objects until someone removes them by hand.
   */
  static Faked start(List<String> faked, Path state) throws IOException {
    List<String> command = new ArrayList<>();
    StepHelper.installIn(state.toAbsolutePath().getParent())
        .ifPresent(helper -> command.addAll(List.of(helper.toString(), "--die-with-parent", "--")));
    command.addAll(faked);
    command.addAll(List.of("--foreground", "--load", "--save-file", state.toString()));
    Process p = new ProcessBuilder(command).redirectInput(state.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line;
    try {
      // It prints "KEY:PID" once it listens; nothing more (no --debug).
      line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
          java.nio.charset.StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      p.destroyForcibly();
      throw e;
    }
    if (line == null || !line.matches("\\d+:\\d+")) {
      p.destroyForcibly();
      throw new ExecutorException("faked (" + faked.get(0) + ") did not start: "
          + (line != null ? "it printed '" + line + "'" : "it printed nothing"));
    }
    int colon = line.indexOf(':');
    return new Faked(line.substring(0, colon), Long.parseLong(line.substring(colon + 1)), p);
  }

  /** A program printing what the fakeroot script reads from the faked it starts: this one's key and pid. */
  Path stub(Path dir) throws IOException {
    Path script = Files.createTempFile(dir, ".faked-", ".sh");
    Files.writeString(script, "#!/bin/sh\necho '" + key + ":" + pid + "'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  /**
   * Waits until faked has taken in every change the step sent: libfakeroot sends chown and chmod
   * without waiting for an answer, so a SIGTERM right after the step could lose the last ones. A
   * stat waits for its answer, which comes after theirs (as the fakeroot script does it: ls -l /).
   */
  void drain(FakerootLibrary fakeroot, Path root) throws IOException {
    List<String> command = new ArrayList<>(fakeroot.ls());
    command.addAll(List.of("-ld", root.toString()));
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("FAKEROOTKEY", key);
    pb.environment().put("LD_PRELOAD", fakeroot.library().toString());
    try {
      pb.start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for faked");
    }
  }

  /** Waits for faked to exit after the fakeroot script stopped it; stops it if it did not. */
  void awaitExit() throws IOException {
    try {
      if (process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for faked");
    }
    stop();
  }

  /** SIGTERM, which makes faked save its state; waits for it to be gone. */
  void stop() throws IOException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new ExecutorException("faked did not stop within 30 s; the step's owners are lost");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while stopping faked");
    }
  }
}
