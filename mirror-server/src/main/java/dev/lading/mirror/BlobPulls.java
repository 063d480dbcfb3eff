package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.io.FileTrees;
import dev.lading.registry.BlobSink;
import dev.lading.store.HashingFile;
import dev.lading.store.NoSuchBlobException;
import dev.lading.store.Store;
import io.undertow.io.BufferWritableOutputStream;
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
 * it grows. The file is hashed as it is written ({@link HashingFile}); its last byte is released to
 * readers once that digest is verified, and it becomes a blob by an fsync and a rename, with no
 * second pass over its bytes.
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

  /**
   * Waits for the download of {@code digest}, if one is running, to end (stored or failed): a client
   * that was answered from it (a HEAD, or the whole blob before its rename into the store) may push a
   * manifest naming the blob at once, and the manifest must find it stored.
   */
  void awaitRunning(Digest digest) throws IOException {
    Pull pull = running.get(digest);
    if (pull != null) {
      try {
        pull.await();
      } catch (IOException failed) {
        // The manifest's check then finds the blob missing and says so.
      }
    }
  }

  /** One download and the requests reading it. State changes and progress under its monitor. */
  private final class Pull implements RegistryStorage.IncomingBlob {
    private final Digest digest;
    private State state = State.STARTING;
    private long size = -1;
    private long written;
    /** The digest of the written bytes matched: readers may take the last byte. */
    private boolean verified;
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
        try (HashingFile hashing = store.hashingFile(data)) {
          source.fetch(size, new GrowingFile(hashing));
          hashing.verify(digest); // the one hash, made while the bytes arrived
          verified();
          hashing.commit("application/octet-stream"); // fsync and rename, clients already served
        }
        dir = removeTemp(dir);
        finish(State.DONE, null);
      } catch (IOException | RuntimeException | Error e) {
        log.accept("pull of " + digest + " failed: " + e);
        // Before the failure is announced: whoever hears of it finds nothing left behind.
        dir = removeTemp(dir);
        finish(State.FAILED, e);
      } finally {
        removeTemp(dir);
      }
    }

    /** Deletes the download's temp directory (readers with the file open keep reading); null. */
    private Path removeTemp(Path dir) {
      if (dir != null) {
        try {
          FileTrees.deleteTree(dir);
        } catch (IOException e) {
          log.accept("cannot remove " + dir + ": " + e); // gc removes stale temp directories
        }
      }
      return null;
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

    private synchronized void verified() {
      verified = true;
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
     * the blob's digest is verified.
     */
    private synchronized long readable(long position) throws IOException {
      while (state == State.RUNNING && releasable() <= position) {
        waitHere();
      }
      if (state == State.DONE) {
        return size;
      }
      if (state != State.RUNNING) {
        throw failed();
      }
      return releasable();
    }

    private long releasable() {
      return verified ? written : Math.min(written, size - 1);
    }

    @Override
    public void sendTo(OutputStream out) throws IOException {
      WritableByteChannel target = Channels.newChannel(out);
      try (FileChannel channel = open()) {
        long position = 0;
        long total = size();
        while (position < total) {
          long limit = readable(position);
          if (out instanceof BufferWritableOutputStream zeroCopy) {
            // sendfile of what is released so far; a plain copy goes through 8 KiB buffers
            zeroCopy.transferFrom(new FileWindow(channel, position, limit));
            position = limit;
          }
          while (position < limit) {
            long n = channel.transferTo(position, limit - position, target);
            if (n <= 0) {
              throw new IOException("blob " + digest + " ended early at " + position);
            }
            position += n;
          }
        }
        awaitVerified(); // a blob of 0 bytes is sent only once verified too
      }
    }

    /** Waits until the digest is checked (the blob may still be on its way into the store). */
    private synchronized void awaitVerified() throws IOException {
      while (!verified && (state == State.RUNNING || state == State.STARTING)) {
        waitHere();
      }
      if (!verified && state != State.DONE) {
        throw failed();
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
     * the bytes: the {@link HashingFile} hashes them as they are written.
     */
    private final class GrowingFile implements BlobSink {
      private final HashingFile file;
      private long touched = System.currentTimeMillis();

      GrowingFile(HashingFile file) {
        this.file = file;
      }

      @Override
      public long position() {
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
          Files.setLastModifiedTime(file.path().getParent(), FileTime.fromMillis(now));
          touched = now;
        }
      }

      @Override
      public boolean verifiesDigest() {
        return true;
      }

      @Override
      public void close() {
        // the HashingFile is closed by the pull
      }
    }
  }
}
