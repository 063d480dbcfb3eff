package dev.lading.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether the process that named a directory after its pid may still use it: what lets a later run
 * remove what a killed one left (SIGKILL runs no cleanup) without touching a running one's.
 */
public final class OwnerProcess {
  private OwnerProcess() {}

  /**
   * Whether process {@code pid}, which made {@code dir}, may still run: its pid names a process that
   * is no zombie (a container's init may never reap one) and that started before the directory was
   * last changed (else the pid was reused).
   */
  public static boolean mayRun(long pid, Path dir) throws IOException {
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      if (stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("Z")) {
        return false;
      }
    } catch (IOException | RuntimeException gone) {
      return !Files.isDirectory(Path.of("/proc")); // no procfs: trust ProcessHandle
    }
    Optional<java.time.Instant> started = process.get().info().startInstant();
    // Start times are known to the clock tick: a second's margin.
    return started.isEmpty() || !started.get().isAfter(Files.getLastModifiedTime(dir).toInstant().plusSeconds(1));
  }
}
