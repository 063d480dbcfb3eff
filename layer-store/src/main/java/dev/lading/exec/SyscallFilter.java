package dev.lading.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
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
 * {@code /proc/self/fd/N}; openat2 glibc never calls). The filter is installed by a short perl
 * script ({@code syscall-filter.pl}; perl-base is part of every Debian and Ubuntu system), which then
 * runs proot: the JVM cannot install one in a child alone, and a native helper would be one more
 * binary per architecture. A seccomp errno takes precedence over proot's own tracing filter.
 */
final class SyscallFilter {
  private SyscallFilter() {}

  /** The audit architecture, prctl's number and the filtered calls' numbers for this machine. */
  private static String spec() {
    return switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
      // statx, faccessat2, fchmodat2, openat2, clone3, execveat
      case "amd64", "x86_64" -> "c000003e,157,332,439,452,437,435,322";
      case "aarch64", "arm64" -> "c00000b7,167,291,439,452,437,435,281";
      default -> null;
    };
  }

  /** prctl's system call number on this machine, for the scripts that call it. */
  static OptionalInt prctlNumber() {
    String spec = spec();
    return spec == null ? OptionalInt.empty()
        : OptionalInt.of(Integer.parseInt(spec.split(",")[1]));
  }

  private static volatile Optional<List<String>> prefix;
  private static volatile String unavailable = "";

  /**
   * The words to put before a proot command line, or empty when the filter cannot be installed here
   * (no perl, another architecture, seccomp refused): {@link #unavailable()} then says why.
   */
  static Optional<List<String>> prefix() {
    Optional<List<String>> known = prefix;
    if (known == null) {
      synchronized (SyscallFilter.class) {
        if (prefix == null) {
          prefix = probe();
        }
        known = prefix;
        if (known == null) { // interrupted: not an answer to keep
          return Optional.empty();
        }
      }
    }
    return known;
  }

  /** Why {@link #prefix()} is empty; empty when it is not. */
  static String unavailable() {
    prefix();
    return unavailable;
  }

  /** {@code command} behind the filter, or unchanged when there is none. */
  static List<String> wrap(List<String> command) {
    Optional<List<String>> words = prefix();
    if (words.isEmpty()) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(words.get());
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Installs the filter once in front of {@code true}: a perl or kernel that refuses says so here.
   * Null when interrupted.
   */
  private static Optional<List<String>> probe() {
    String spec = spec();
    Optional<Path> perl = HostTools.find("perl");
    Optional<Path> trueProgram = HostTools.find("true");
    if (spec == null) {
      unavailable = "no system call numbers for " + System.getProperty("os.arch");
      return Optional.empty();
    }
    if (perl.isEmpty() || trueProgram.isEmpty()) {
      unavailable = "perl is not installed (apt-get install perl-base)";
      return Optional.empty();
    }
    List<String> words = List.of(perl.get().toString(), "-e", HostTools.script("syscall-filter.pl"), "--", spec);
    List<String> probe = new ArrayList<>(words);
    probe.add(trueProgram.get().toString());
    try {
      Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        unavailable = "perl did not install a seccomp filter within 30 s";
        return Optional.empty();
      }
      if (p.exitValue() != 0) {
        unavailable = out.isEmpty() ? "perl could not install a seccomp filter (exit " + p.exitValue() + ")"
            : out.replaceFirst("^lading: ", "");
        return Optional.empty();
      }
      return Optional.of(words);
    } catch (IOException e) {
      unavailable = "perl could not be run: " + e.getMessage();
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      unavailable = "interrupted";
      return null;
    }
  }
}
