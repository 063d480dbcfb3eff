package dev.lading.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A seccomp filter for proot and every program it runs, for what proot gets wrong. First, the system
 * calls proot does not translate fail with ENOSYS, so that glibc falls back to the older calls it
 * does translate. Without this, a call proot does not know reaches the kernel with the image's path
 * unchanged, i.e. names the host's file: coreutils' {@code ls -l} and {@code stat} (statx), the
 * shell's {@code [ -r ]} (faccessat2, glibc 2.33 and later), tar's mode changes (fchmodat2, glibc
 * 2.39 and later) see or miss the host's files. Debian 12's proot 5.1 knows none of these, and
 * Debian 13 ships the same 5.1. Second, {@code prctl(PR_SET_DUMPABLE)} succeeds without
 * effect: a program that makes itself undumpable (ssh-agent, gpg-agent) can no longer have its
 * memory read or written by proot, whose translation of its socket paths then fails ("Bad address").
 *
 * <p>Every call in the list has a fallback in glibc (statx to newfstatat, faccessat2 to faccessat,
 * fchmodat2 to a chmod through {@code /proc/self/fd}, clone3 to clone, execveat to execve of
 * {@code /proc/self/fd/N}; openat2 glibc never calls). The filter is installed by
 * {@link StepHelper} ({@code --filter}), which then runs proot: the JVM cannot install one in a child
 * alone. A seccomp errno takes precedence over proot's own tracing filter.
 */
final class SyscallFilter {
  private SyscallFilter() {}

  /** Whether the kernel took the filter: null until a probe answers, then why not ("" when it did). */
  private static volatile String unavailable;

  /**
   * The words to put before a proot command line, with the helper written in {@code dir}, or empty
   * when the filter cannot be installed here (no helper for this machine, seccomp refused):
   * {@link #unavailable} then says why.
   */
  static Optional<List<String>> prefix(Path dir) throws IOException {
    Optional<Path> helper = StepHelper.installIn(dir);
    if (helper.isEmpty()) {
      unavailable = StepHelper.missing();
      return Optional.empty();
    }
    List<String> words = List.of(helper.get().toString(), "--filter", "--");
    if (unavailable == null) {
      synchronized (SyscallFilter.class) {
        if (unavailable == null) {
          unavailable = probe(words);
        }
      }
    }
    return unavailable.isEmpty() ? Optional.of(words) : Optional.empty();
  }

  /** Why {@link #prefix} is empty for a helper written in {@code dir}; empty when it is not. */
  static String unavailable(Path dir) throws IOException {
    prefix(dir);
    return unavailable;
  }

  /** {@code command} behind the filter, or unchanged when there is none. */
  static List<String> wrap(List<String> command, Path dir) throws IOException {
    Optional<List<String>> words = prefix(dir);
    if (words.isEmpty()) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(words.get());
    wrapped.addAll(command);
    return wrapped;
  }

  /** Installs the filter in front of {@code true}: a kernel that refuses says so here. */
  private static String probe(List<String> words) throws IOException {
    Optional<Path> trueProgram = HostTools.find("true");
    if (trueProgram.isEmpty()) {
      return "true is not installed (apt-get install coreutils)";
    }
    List<String> probe = new ArrayList<>(words);
    probe.add(trueProgram.get().toString());
    Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "the system-call filter was not installed within 30 s";
      }
      if (p.exitValue() != 0) {
        return out.isEmpty() ? "the system-call filter could not be installed (exit " + p.exitValue() + ")"
            : out.replaceFirst("^lading: ", "");
      }
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new java.io.InterruptedIOException("interrupted while probing the system-call filter");
    }
  }
}
