package dev.lading.io;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for background work that must not keep the JVM alive: the CLI exits when its command is
 * done, and what such a thread writes is published atomically or replayed, so nothing is lost.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... (for thread dumps). */
  public static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
