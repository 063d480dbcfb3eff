package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.io.DaemonThreads;
import dev.lading.model.Descriptor;
import dev.lading.registry.BlobSink;
import dev.lading.store.Store;
import dev.lading.transfer.GrowingBlob;
import io.undertow.io.BufferWritableOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Single-flight downloads of blobs into the store: however many requests ask for a missing blob at
 * once, one download runs (on its own thread, so it finishes for the others and for the cache when
 * the first client goes away), into a {@link GrowingBlob} that every request reads while it grows:
 * hashed as it is written, its last byte released once the digest is verified, and made a blob by an
 * fsync and a rename, with no second pass over its bytes.
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
  private final ExecutorService threads = Executors.newCachedThreadPool(DaemonThreads.named("lading-pull"));

  BlobPulls(Store store, Consumer<String> log) {
    this.store = store;
    this.log = log;
  }

  /**
   * The blob, joining the download already running for it or starting one; empty when the source
   * does not have it.
   */
  Optional<RegistryStorage.IncomingBlob> pull(Digest digest, Source source) throws IOException {
    while (true) {
      Pull pull = running.computeIfAbsent(digest, d -> {
        Pull p = new Pull(d);
        threads.execute(() -> p.run(source));
        return p;
      });
      // Its readers learn of a failed download before its thread takes it out of the map: a
      // request in between starts afresh rather than joining the failure.
      if (pull.downloadFailed()) {
        running.remove(digest, pull);
        continue;
      }
      return pull.awaitStarted() ? Optional.of(pull) : Optional.empty();
    }
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

  /**
   * One download and the requests reading it: the size lookup, then a {@link GrowingBlob} that every
   * request follows. State changes under its monitor.
   */
  private final class Pull implements RegistryStorage.IncomingBlob {
    private final Digest digest;
    private State state = State.STARTING;
    private GrowingBlob growing;
    private long size = -1;
    private Throwable failure;

    Pull(Digest digest) {
      this.digest = digest;
    }

    void run(Source source) {
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
        GrowingBlob blob = GrowingBlob.create(store,
            Descriptor.of("application/octet-stream", digest, found.get()), "upstream");
        synchronized (this) {
          size = found.get();
          growing = blob;
          state = State.RUNNING;
          notifyAll();
        }
        blob.fill(sink -> source.fetch(blob.size(), sink)); // the one hash, made while the bytes arrive
        finish(State.DONE, null);
      } catch (IOException | RuntimeException | Error e) {
        log.accept("pull of " + digest + " failed: " + e);
        finish(State.FAILED, e);
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

    /** Whether the download failed, its readers told (the map may still hold it for a moment). */
    synchronized boolean downloadFailed() {
      return state == State.FAILED || (growing != null && growing.failure() != null);
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

    @Override
    public void sendTo(OutputStream out) throws IOException {
      GrowingBlob blob;
      synchronized (this) {
        blob = growing;
      }
      if (blob == null) { // stored before this pull started: no download to follow
        await();
        try (FileChannel channel = FileChannel.open(store.blobPath(digest), StandardOpenOption.READ)) {
          send(channel, 0, channel.size(), out);
        }
        return;
      }
      try (FileChannel channel = blob.open()) {
        long position = 0;
        long total = blob.size();
        while (position < total) {
          long limit = blob.readable(position);
          send(channel, position, limit, out);
          position = limit;
        }
        blob.awaitVerified(); // a blob of 0 bytes is sent only once verified too
      }
    }

    /** Bytes {@code from} to {@code to} of the file: by sendfile where Undertow allows it. */
    private void send(FileChannel channel, long from, long to, OutputStream out) throws IOException {
      if (out instanceof BufferWritableOutputStream zeroCopy) {
        zeroCopy.transferFrom(new FileWindow(channel, from, to));
        return;
      }
      WritableByteChannel target = Channels.newChannel(out);
      for (long position = from; position < to; ) {
        long n = channel.transferTo(position, to - position, target);
        if (n <= 0) {
          throw new IOException("blob " + digest + " ended early at " + position);
        }
        position += n;
      }
    }
  }
}
