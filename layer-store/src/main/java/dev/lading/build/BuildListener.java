package dev.lading.build;

import dev.lading.digest.Digest;

/**
 * Receives what a build or push is doing, for a front end to show (Maven log lines, CLI output).
 * Called from worker threads; implementations must be thread-safe.
 */
public interface BuildListener {
  /** Ignores everything. */
  BuildListener NONE = new BuildListener() { };

  /** A step worth one log line ("base image ... resolved", "layer classes: built"). */
  default void info(String message) { }

  /** Something the user should look at but that does not stop the build. */
  default void warn(String message) { }

  /** A blob finished moving ({@code action}: pulled, pushed, mounted, skipped). */
  default void blobDone(String action, Digest digest, long bytes) { }
}
