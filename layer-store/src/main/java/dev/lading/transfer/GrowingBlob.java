package dev.lading.transfer;

import dev.lading.digest.DigestMismatchException;
import dev.lading.io.FileTrees;
import dev.lading.model.Descriptor;
import dev.lading.registry.BlobSink;
import dev.lading.store.HashingFile;
import dev.lading.store.NoSuchBlobException;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;

/**
 * One download into the store that readers follow while it grows: a registry-to-registry copy
 * uploads a blob while it is still arriving, instead of after, and the mirror streams a pull-through
 * download to every client that asks for it meanwhile. The bytes go to a file in the store's
 * temp area and are hashed on the way in ({@link HashingFile}); readers get every byte but the last
 * until the digest is verified, so a reader never finishes with content that turns out wrong (an
 * upload then fails instead of completing). The verified file becomes the blob by an fsync and a
 * rename, with no second pass over its bytes; a failure or a kill leaves only a temp directory, which
 * is removed here or by gc.
 */
public final class GrowingBlob {
  /** Writes the blob's bytes into a sink. */
  public interface Download {
    void writeTo(BlobSink sink) throws IOException;
  }

  private enum State { RUNNING, STORED, FAILED }

  private final Store store;
  private final Descriptor blob;
  private final String source;
  private final Path dir;
  private final Path file;
  private State state = State.RUNNING;
  private long written;
  private boolean verified;
  private Throwable failure;

  private GrowingBlob(Store store, Descriptor blob, String source, Path dir, Path file) {
    this.store = store;
    this.blob = blob;
    this.source = source;
    this.dir = dir;
    this.file = file;
  }

  /**
   * A blob to fill with {@link #fill}, on the thread that downloads it.
   *
   * @param source where it comes from, for messages ({@code docker://host/repository})
   */
  public static GrowingBlob create(Store store, Descriptor blob, String source) throws IOException {
    Path dir = store.workAreas().newTempDirectory("pull-");
    try {
      return new GrowingBlob(store, blob, source, dir, Files.createFile(dir.resolve("data")));
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteTree(dir);
      throw e;
    }
  }

  /**
   * Runs the download, verifies the digest and puts the blob into the store. Always ends the blob:
   * readers waiting on it are released with the bytes or with the failure, which is also rethrown.
   */
  public void fill(Download download) throws IOException {
    try {
      try (HashingFile hashing = store.hashingFile(file)) {
        download.writeTo(new Sink(hashing));
        if (hashing.position() != blob.size()) {
          throw new IOException("blob " + blob.digest() + " ended after " + hashing.position() + " of "
              + blob.size() + " bytes");
        }
        hashing.verify(blob.digest());
        synchronized (this) {
          verified = true;
          notifyAll();
        }
        hashing.commit(blob.mediaType() != null ? blob.mediaType() : "application/octet-stream");
      }
    } catch (IOException | RuntimeException | Error e) {
      removeTemp(); // before the failure is announced: whoever hears of it finds nothing left behind
      end(State.FAILED, e);
      throw e;
    }
    removeTemp(); // readers that hold the file open keep reading it; new ones open the stored blob
    end(State.STORED, null);
  }

  private void removeTemp() {
    try {
      FileTrees.deleteTree(dir);
    } catch (IOException ignored) {
      // a stale temp directory: gc removes it
    }
  }

  private synchronized void end(State end, Throwable cause) {
    state = end;
    failure = cause;
    notifyAll();
  }

  /** The blob's size in bytes. */
  public long size() {
    return blob.size();
  }

  /** Waits until the blob is stored; throws the download's failure. */
  public synchronized void await() throws IOException {
    while (state == State.RUNNING) {
      waitHere();
    }
    if (state == State.FAILED) {
      throw failed();
    }
  }

  /** A stream over the blob from {@code offset}, blocking until bytes arrive; ends at the blob's size. */
  public InputStream openAt(long offset) throws IOException {
    return new Reader(open(), offset);
  }

  /** Why the download failed, without waiting; null while it runs or once it succeeded. */
  public synchronized IOException failure() {
    return state == State.FAILED ? failed() : null;
  }

  private IOException failed() {
    if (failure instanceof DigestMismatchException e) {
      return new DigestMismatchException("blob " + source + "@" + blob.digest(), e.expected(), e.actual());
    }
    String message = failure instanceof IOException ? failure.getMessage() : String.valueOf(failure);
    return new IOException("downloading blob " + blob.digest() + " from " + source + " failed: " + message,
        failure);
  }

  private void waitHere() throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for blob " + blob.digest());
    }
  }

  /**
   * How far a reader at {@code position} may read, waiting until that is further: all that is
   * written, less the last byte until the digest is verified. For readers of {@link #open()}.
   */
  public synchronized long readable(long position) throws IOException {
    while (state == State.RUNNING && releasable() <= position) {
      waitHere();
    }
    if (state == State.FAILED) {
      throw failed();
    }
    return state == State.STORED ? blob.size() : releasable();
  }

  /** Waits until the bytes are known good (they may still be on their way into the store). */
  public synchronized void awaitVerified() throws IOException {
    while (!verified && state == State.RUNNING) {
      waitHere();
    }
    if (state == State.FAILED) {
      throw failed();
    }
  }

  private long releasable() {
    return verified ? written : Math.min(written, blob.size() - 1);
  }

  private synchronized void grew(long n) {
    written += n;
    notifyAll();
  }

  /**
   * The growing file, or the blob once it is stored (the file was renamed into the store); read it
   * no further than {@link #readable} allows, and end with {@link #awaitVerified}.
   */
  public FileChannel open() throws IOException {
    synchronized (this) {
      if (state == State.FAILED) {
        throw failed();
      }
    }
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException storedMeanwhile) {
      await();
      try {
        return FileChannel.open(store.blobPath(blob.digest()), StandardOpenOption.READ);
      } catch (NoSuchBlobException | NoSuchFileException e) {
        throw new IOException("blob " + blob.digest() + " vanished right after its download (gc?)", e);
      }
    }
  }

  /** Reads the file as far as it is released, waiting for more. */
  private final class Reader extends InputStream {
    private final FileChannel channel;
    private long position;

    Reader(FileChannel channel, long offset) {
      this.channel = channel;
      this.position = offset;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position >= blob.size()) {
        awaitVerified(); // an empty blob too ends only once its download is known good
        return -1;
      }
      long limit = readable(position);
      int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, limit - position)), position);
      if (n <= 0) {
        throw new IOException("blob " + blob.digest() + " ended early at " + position);
      }
      position += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Appends to the file (straight to it, so readers see the bytes) and tells readers how far it is. */
  private final class Sink implements BlobSink {
    private final HashingFile file;
    private long touched = System.currentTimeMillis();

    Sink(HashingFile file) {
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
      grew(len);
      long now = System.currentTimeMillis();
      if (now - touched > 60_000) {
        // gc judges temp directories by their time: a download in progress is not stale.
        Files.setLastModifiedTime(dir, FileTime.fromMillis(now));
        touched = now;
      }
    }

    @Override
    public boolean verifiesDigest() {
      return true; // the HashingFile hashes; the client only counts
    }

    @Override
    public void close() {
      // the HashingFile is closed by fill
    }
  }
}
