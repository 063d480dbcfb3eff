package dev.lading.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shared/exclusive locks on files that exclude both other threads of this JVM and other processes.
 *
 * <p>Why one table per JVM (the only static state in the store): an OS file lock belongs to the
 * process, not to a thread or a {@code Store} object. Java therefore throws
 * {@link OverlappingFileLockException} when a second channel of the same JVM locks the same file, and
 * on Linux (POSIX fcntl locks) closing <em>any</em> channel on a file drops every lock the process
 * holds on it. So each lock file must have exactly one channel per JVM, whatever number of
 * {@code Store} instances point at the same directory, and in-JVM exclusion has to be done here.
 *
 * <p>Locks are not owned by threads: a lock taken on one thread may be released on another (a blob
 * download may be finished by a different worker). Shared holders are not queued behind waiting
 * exclusive ones, so a thread that already holds a shared lock can take it again without deadlock.
 */
final class ProcessLocks {
  /** The table of this JVM; see the class comment for why it must be process-wide. */
  static final ProcessLocks JVM = new ProcessLocks();

  private final Map<Path, Entry> entries = new HashMap<>(); // guarded by this

  private ProcessLocks() {}

  /** A held lock; closing it releases it (idempotent). */
  interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /** Blocks until the lock on {@code file} is held in the given mode. */
  Held acquire(Path file, boolean shared) throws IOException {
    return acquire(file, shared, true);
  }

  /** The lock if it is free right now (in this JVM and in every other process), else null. */
  Held tryAcquire(Path file, boolean shared) throws IOException {
    return acquire(file, shared, false);
  }

  private Held acquire(Path file, boolean shared, boolean block) throws IOException {
    Path key = identity(file);
    Entry entry;
    synchronized (this) {
      entry = entries.computeIfAbsent(key, Entry::new);
      entry.users++;
    }
    boolean held = false;
    try {
      held = entry.lock(shared, block);
      if (!held) {
        return null;
      }
      AtomicBoolean released = new AtomicBoolean();
      return () -> {
        if (released.compareAndSet(false, true)) {
          try {
            entry.unlock(shared);
          } finally {
            forget(entry);
          }
        }
      };
    } finally {
      if (!held) {
        forget(entry);
      }
    }
  }

  /**
   * One key per lock file, however it is named: a store opened through a symlink in the same JVM
   * as through its real path must find the same entry, or its second channel's lock fails with OverlappingFileLockException and closing one drops the other's lock.
   */
  private static Path identity(Path file) throws IOException {
    Path absolute = file.toAbsolutePath().normalize();
    // The lock file and directories on its way may not exist yet (openChannel makes them): the
    // deepest one that does is resolved, the rest kept as named.
    for (Path known = absolute.getParent(); known != null; known = known.getParent()) {
      try {
        return known.toRealPath().resolve(known.relativize(absolute));
      } catch (NoSuchFileException notYet) {
        // try its parent
      }
    }
    return absolute;
  }

  private synchronized void forget(Entry entry) {
    if (--entry.users == 0) {
      entries.remove(entry.path);
    }
  }

  /** One lock file: the JVM's only channel on it, and who in this JVM holds it. */
  private static final class Entry {
    /** strerror(EDEADLK) on Linux, as the JDK reports a failed F_SETLKW. */
    private static final String DEADLOCK_MESSAGE = "Resource deadlock avoided";

    private enum Mode { FREE, ACQUIRING, SHARED, EXCLUSIVE }

    final Path path;
    int users; // guarded by ProcessLocks.this: threads that hold or wait for this entry
    private Mode mode = Mode.FREE; // the fields below are guarded by this entry
    private int sharedHolders;
    private FileChannel channel;
    private FileLock osLock;

    Entry(Path path) {
      this.path = path;
    }

    boolean lock(boolean shared, boolean block) throws IOException {
      synchronized (this) {
        while (true) {
          if (shared && mode == Mode.SHARED) {
            sharedHolders++;
            return true;
          }
          if (mode == Mode.FREE) {
            break;
          }
          if (!block) {
            return false;
          }
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for lock " + path);
          }
        }
        mode = Mode.ACQUIRING;
      }
      // The OS lock may take long (another process holds it): wait for it without holding this
      // monitor, so that non-blocking callers in this JVM are answered at once.
      FileChannel ch = null;
      FileLock lock = null;
      boolean held = false;
      try {
        ch = openChannel(shared);
        if (ch == null) {
          held = true; // no lock file and no way to make one: see openChannel
        } else {
          lock = block ? lockWaiting(ch, shared) : ch.tryLock(0, Long.MAX_VALUE, shared);
          held = lock != null;
        }
      } finally {
        synchronized (this) {
          if (!held) {
            mode = Mode.FREE;
            closeQuietly(ch);
          } else {
            channel = ch;
            osLock = lock;
            mode = shared ? Mode.SHARED : Mode.EXCLUSIVE;
            sharedHolders = shared ? 1 : 0;
          }
          notifyAll();
        }
      }
      return held;
    }

    /**
     * Waits for the OS lock. fcntl's deadlock detection sees processes, not threads: when thread A of
     * this JVM holds lock 1 and waits for lock 2 held by process P, while P waits for lock 3 held by
     * thread B of this JVM, the kernel reports EDEADLK although B will release 3 without waiting for
     * anything of A's. The store takes its locks in one order (the lease first, then one other), so
     * a real deadlock cannot happen: on EDEADLK, wait a little and ask again.
     */
    private FileLock lockWaiting(FileChannel ch, boolean shared) throws IOException {
      long pauseMillis = 1;
      while (true) {
        try {
          return ch.lock(0, Long.MAX_VALUE, shared);
        } catch (IOException e) {
          if (!DEADLOCK_MESSAGE.equals(e.getMessage())) {
            throw e;
          }
        }
        try {
          Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for lock " + path);
        }
        pauseMillis = Math.min(pauseMillis * 2, 50);
      }
    }

    private static void closeQuietly(FileChannel ch) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // nothing was locked through it
        }
      }
    }

    /**
     * The lock file, opened for writing (created when missing) so that any mode can be locked. A
     * reader of a store it cannot write (a read-only mount, another user's files) gets a read-only
     * channel instead: fcntl read locks need only read access, so its shared lock still keeps gc
     * and other exclusive holders away. Exclusive locks keep failing there: they are for writers.
     *
     * @return null when a shared lock was asked for and the file neither exists nor can be made. That
     *     is safe to proceed without: every holder of this lock opened the file first and lock files
     *     are never deleted, so nobody holds it now, and whoever starts to (a writer on a read-write
     *     mount of the same files) can at worst delete blobs this reader then fails to find, never
     *     change the bytes of one, since blobs are only created and deleted whole.
     */
    private FileChannel openChannel(boolean shared) throws IOException {
      try {
        Files.createDirectories(path.getParent());
        return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
      } catch (IOException e) {
        if (!shared || !WriteAccess.refused(e)) {
          throw e;
        }
        try {
          return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException absent) {
          return null;
        }
      }
    }

    synchronized void unlock(boolean shared) throws IOException {
      if (shared && --sharedHolders > 0) {
        return;
      }
      try {
        if (osLock != null) {
          osLock.release();
        }
      } finally {
        if (channel != null) {
          channel.close();
        }
        osLock = null;
        channel = null;
        mode = Mode.FREE;
        notifyAll();
      }
    }
  }
}
