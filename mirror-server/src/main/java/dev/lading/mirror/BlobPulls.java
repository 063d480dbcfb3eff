package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.io.FileTrees;
import dev.lading.registry.BlobSink;
import dev.lading.store.NoSuchBlobException;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Single-flight downloads of blobs into the store: however many requests ask for a missing blob at
 * once, one download runs (on its own thread, so it finishes for the others and for the cache when
 * the first client goes away), into a file in the store's temp area that every request reads while
 * it grows. The file becomes a blob only through {@link Store#adopt}, which hashes it first.
 */
final class BlobPulls {
  /** Where one blob comes from. */
  interface Source {
    /** Its size, or empty when the source does not have it. */
    Optional<Long> size() throws IOException;

    /** Writes the blob of {@code size} bytes into {@code sink}, verifying its digest. */
    void fetch(long size, BlobSink sink) throws IOException;
  }

  private enum State { STARTING, RUNNING, DONE, ABSENT, FAILED }

  private final Store store;
  private final Consumer<String> log;
  private final Map<Digest, Pull> running = new ConcurrentHashMap<>();
  private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
    Thread t = new Thread(task, "lading-pull");
    t.setDaemon(true);
    return t;
  });

  BlobPulls(Store store, Consumer<String> log) {
    this.store = store;
    this.log = log;
  }

  /**
   * The blob, joining the download already running for it or starting one; empty when the source
   * does not have it.
   */
  Optional<RegistryStorage.IncomingBlob> pull(Digest digest, Source source) throws IOException {
    Pull pull = running.computeIfAbsent(digest, d -> {
      Pull p = new Pull(d);
      threads.execute(() -> p.run(source));
      return p;
    });
    return pull.awaitStarted() ? Optional.of(pull) : Optional.empty();
  }

  /** One download and the requests reading it. State changes and progress under its monitor. */
  private final class Pull implements RegistryStorage.IncomingBlob {
    private final Digest digest;
    private State state = State.STARTING;
    private long size = -1;
    private long written;
    private Path file;
    private Throwable failure;

    Pull(Digest digest) {
      this.digest = digest;
    }

    void run(Source source) {
      Path dir = null;
      try {
        if (store.has(digest)) { // finished by an earlier pull just before this one was asked for
          finish(State.DONE, null);
          return;
        }
        Optional<Long> found = source.size();
        if (found.isEmpty()) {
          finish(State.ABSENT, null);
          return;
        }
        dir = store.newTempDirectory("pull-");
        Path data = Files.createFile(dir.resolve("data"));
        synchronized (this) {
          size = found.get();
          file = data;
          state = State.RUNNING;
          notifyAll();
        }
        try (BlobSink sink = new GrowingFile(data)) {
          source.fetch(size, sink);
        }
        store.adopt(data, digest, "application/octet-stream"); // the one hash: nothing unverified
        finish(State.DONE, null);
      } catch (IOException | RuntimeException | Error e) {
        log.accept("pull of " + digest + " failed: " + e);
        finish(State.FAILED, e);
      } finally {
        if (dir != null) {
          try {
            FileTrees.deleteTree(dir);
          } catch (IOException e) {
            log.accept("cannot remove " + dir + ": " + e); // gc removes stale temp directories
          }
        }
      }
    }

    private synchronized void finish(State end, Throwable cause) {
      // Out of the map first: a request from now on finds the blob stored, or starts afresh.
      running.remove(digest, this);
      if (end == State.DONE && size < 0) {
        try {
          size = store.size(digest);
        } catch (IOException e) {
          end = State.FAILED;
          cause = e;
        }
      }
      state = end;
      failure = cause;
      notifyAll();
    }

    private synchronized void grew(long n) {
      written += n;
      notifyAll();
    }

    /** Waits until the size is known: true when the blob is coming, false when absent upstream. */
    synchronized boolean awaitStarted() throws IOException {
      while (state == State.STARTING) {
        waitHere();
      }
      if (state == State.FAILED) {
        throw failed();
      }
      return state != State.ABSENT;
    }

    private IOException failed() {
      return new IOException("fetching " + digest + " from upstream failed: " + failure, failure);
    }

    private void waitHere() throws InterruptedIOException {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for " + digest);
      }
    }

    @Override
    public synchronized long size() {
      return size;
    }

    @Override
    public synchronized void await() throws IOException {
      while (state == State.RUNNING || state == State.STARTING) {
        waitHere();
      }
      if (state != State.DONE) {
        throw failed();
      }
    }

    /**
     * How far a reader at {@code position} may read: what has been written, less the last byte until
     * the blob is verified and stored.
     */
    private synchronized long readable(long position) throws IOException {
      while (state == State.RUNNING && Math.min(written, size - 1) <= position) {
        waitHere();
      }
      if (state == State.DONE) {
        return size;
      }
      if (state != State.RUNNING) {
        throw failed();
      }
      return Math.min(written, size - 1);
    }

    @Override
    public void sendTo(OutputStream out) throws IOException {
      WritableByteChannel target = Channels.newChannel(out);
      try (FileChannel channel = open()) {
        long position = 0;
        long total = size();
        while (position < total) {
          long limit = readable(position);
          while (position < limit) {
            long n = channel.transferTo(position, limit - position, target);
            if (n <= 0) {
              throw new IOException("blob " + digest + " ended early at " + position);
            }
            position += n;
          }
        }
        await(); // a blob of 0 bytes is sent only once verified too
      }
    }

    /** The growing file, or the blob once it is stored (the file was renamed into the store). */
    private FileChannel open() throws IOException {
      Path growing;
      synchronized (this) {
        growing = state == State.RUNNING ? file : null;
      }
      if (growing != null) {
        try {
          return FileChannel.open(growing, StandardOpenOption.READ);
        } catch (NoSuchFileException adoptedMeanwhile) {
          // fall through: wait for the end
        }
      }
      await();
      try {
        return FileChannel.open(store.blobPath(digest), StandardOpenOption.READ);
      } catch (NoSuchBlobException | NoSuchFileException e) {
        throw new IOException("blob " + digest + " vanished right after its download (gc?)", e);
      }
    }

    /**
     * Appends to the download's file and tells waiting readers how far it is. The client only counts
     * the bytes: {@link Store#adopt} hashes the file once before it becomes a blob.
     */
    private final class GrowingFile implements BlobSink {
      private final Path path;
      private final BlobSink file;
      private long touched = System.currentTimeMillis();

      GrowingFile(Path path) throws IOException {
        this.path = path;
        this.file = BlobSink.appendingTo(path);
      }

      @Override
      public long position() throws IOException {
        return file.position();
      }

      @Override
      public InputStream readHeld() throws IOException {
        return file.readHeld();
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        file.write(b, off, len);
        grew(len); // written with write(2): readers of the file see it now, no flush needed
        long now = System.currentTimeMillis();
        if (now - touched > 60_000) {
          // gc judges temp directories by their time: a download in progress is not stale.
          Files.setLastModifiedTime(path.getParent(), FileTime.fromMillis(now));
          touched = now;
        }
      }

      @Override
      public boolean verifiesDigest() {
        return true;
      }

      @Override
      public void close() throws IOException {
        file.close();
      }
    }
  }
}
