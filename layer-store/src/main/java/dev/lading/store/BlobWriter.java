package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.io.AtomicFiles;
import dev.lading.io.BoundedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.List;
import java.util.UUID;

/**
 * Streams one blob into the store. Bytes go to a private temp file and are hashed as they pass;
 * {@link #commit()} verifies the digest, fsyncs and renames the file into {@code blobs/sha256/}, so a
 * blob is either complete and verified or not visible at all. {@link #close()} without a commit aborts.
 *
 * <p>A resumable writer ({@link Store#resumableWriter(Digest)}) keeps its partial file when aborted or
 * killed; the next resumable writer for the same digest continues after {@link #position()} bytes.
 * Not thread-safe: one writer is used by one thread at a time.
 */
public final class BlobWriter extends OutputStream {
  private enum State { OPEN, COMMITTED, CLOSED }

  private final Layout layout;
  private final Digest expected;
  private final boolean resumable;
  private final Path temp;
  private final List<ProcessLocks.Held> locks;
  private final MessageDigest md = Digest.newSha256();
  private final boolean alreadyStored;
  private FileChannel channel;
  private OutputStream out;
  private EarlyWriteback writeback;
  private long position;
  private State state = State.OPEN;

  private BlobWriter(Layout layout, Digest expected, boolean resumable, Path temp,
      List<ProcessLocks.Held> locks, boolean alreadyStored) {
    this.layout = layout;
    this.expected = expected;
    this.resumable = resumable;
    this.temp = temp;
    this.locks = locks;
    this.alreadyStored = alreadyStored;
  }

  /** A writer to a fresh temp file; {@code locks} (the lease) are released when it ends. */
  static BlobWriter fresh(Layout layout, Digest expected, List<ProcessLocks.Held> locks)
      throws IOException {
    Path temp = layout.tmp().resolve("blob-" + UUID.randomUUID() + AtomicFiles.TMP_SUFFIX);
    BlobWriter writer = new BlobWriter(layout, expected, false, temp, locks, false);
    try {
      writer.openChannel(StandardOpenOption.CREATE_NEW);
    } catch (IOException | RuntimeException e) {
      writer.releaseQuietly(e);
      throw e;
    }
    return writer;
  }

  /**
   * A writer that continues the partial file of {@code expected}. The caller holds the per-digest
   * ingest lock in {@code locks}, so no other writer appends to the same partial file.
   */
  static BlobWriter resume(Layout layout, Digest expected, List<ProcessLocks.Held> locks)
      throws IOException {
    Path blob = layout.blob(expected);
    boolean stored = Files.isRegularFile(blob);
    BlobWriter writer = new BlobWriter(layout, expected, true, layout.partial(expected), locks, stored);
    try {
      if (stored) {
        // Another writer finished it while we waited for the lock: nothing left to write.
        writer.position = Files.size(blob);
      } else {
        writer.openChannel(StandardOpenOption.CREATE);
        writer.primeFromPartial();
      }
    } catch (IOException | RuntimeException e) {
      writer.closeChannelQuietly(e);
      writer.releaseQuietly(e);
      throw e;
    }
    return writer;
  }

  private void openChannel(StandardOpenOption create) throws IOException {
    Files.createDirectories(temp.getParent());
    channel = FileChannel.open(temp, create, StandardOpenOption.READ, StandardOpenOption.WRITE);
    out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
    writeback = new EarlyWriteback(channel);
  }

  /** Re-hashes the bytes an earlier writer left, so the digest covers the whole blob. */
  private void primeFromPartial() throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1024 * 1024);
    long size = channel.size();
    long read = 0;
    while (read < size) {
      buffer.clear();
      int n = channel.read(buffer, read);
      if (n < 0) {
        break;
      }
      md.update(buffer.array(), 0, n);
      read += n;
    }
    position = read;
    channel.position(read);
  }

  /** The digest this writer must produce, or null when any content is accepted. */
  public Digest expected() {
    return expected;
  }

  /**
   * Bytes of the blob written so far, including those a previous resumable writer left. A caller
   * resuming a download fetches the source from this offset on.
   */
  public long position() {
    return position;
  }

  /** True when the blob was already complete in the store: write nothing, just {@link #commit()}. */
  public boolean alreadyStored() {
    return alreadyStored;
  }

  /**
   * The bytes this writer holds, from offset 0 to {@link #position()}: for a resumable writer also
   * those an earlier writer left. A download that resumes hashes them with the new bytes to verify
   * the whole blob. Read it before writing more; the stream does not see later writes.
   */
  public InputStream openHeld() throws IOException {
    if (alreadyStored) {
      return Files.newInputStream(layout.blob(expected));
    }
    if (state != State.OPEN) {
      throw new IllegalStateException("blob writer is " + state.name().toLowerCase()
          + "; it holds nothing any more");
    }
    out.flush();
    long length = position;
    return new BoundedInputStream(Files.newInputStream(temp), length);
  }

  @Override
  public void write(int b) throws IOException {
    checkWritable();
    try {
      out.write(b);
    } catch (IOException e) {
      throw StoreFullException.wrap(e, layout, expected);
    }
    md.update((byte) b);
    position++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    checkWritable();
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      throw StoreFullException.wrap(e, layout, expected);
    }
    md.update(b, off, len);
    position += len;
    writeback.wrote(len);
  }

  /** Hands buffered bytes to the file (so a resumable partial keeps them if this process dies). */
  @Override
  public void flush() throws IOException {
    if (state == State.OPEN && out != null) {
      try {
        out.flush();
      } catch (IOException e) {
        throw StoreFullException.wrap(e, layout, expected);
      }
    }
  }

  private void checkWritable() {
    if (state != State.OPEN) {
      throw new IllegalStateException("blob writer is " + state.name().toLowerCase()
          + "; open a new writer");
    }
    if (alreadyStored) {
      throw new IllegalStateException("blob " + expected + " is already complete in the store"
          + " (alreadyStored() is true): write nothing and call commit()");
    }
  }

  /**
   * Verifies and publishes the blob.
   *
   * @return the blob's digest
   * @throws DigestMismatchException when the content does not hash to the expected digest; the temp
   *     file (or the partial download) is deleted and nothing becomes visible
   */
  public Digest commit() throws IOException {
    if (state != State.OPEN) {
      throw new IllegalStateException("blob writer is already " + state.name().toLowerCase());
    }
    try {
      if (alreadyStored) {
        touch(layout.blob(expected));
        state = State.COMMITTED;
        return expected;
      }
      out.flush();
      channel.force(true);
      channel.close();
      Digest actual = Digest.fromRaw(md.digest());
      if (expected != null && !expected.equals(actual)) {
        Files.deleteIfExists(temp);
        state = State.CLOSED;
        throw new DigestMismatchException("blob", expected, actual);
      }
      publish(layout, temp, actual);
      state = State.COMMITTED;
      return actual;
    } catch (IOException e) {
      if (state == State.OPEN) {
        abort(e);
      }
      throw StoreFullException.wrap(e, layout, expected);
    } catch (RuntimeException e) {
      if (state == State.OPEN) {
        abort(e);
      }
      throw e;
    } finally {
      release();
    }
  }

  /**
   * Aborts and deletes what this writer holds, a resumable partial download included, so the next
   * writer for the blob starts from zero. For bytes known to be wrong (a source that served other
   * content); a plain {@link #close()} keeps a partial for resuming. Does nothing once committed.
   */
  public void discard() throws IOException {
    if (state != State.OPEN) {
      return;
    }
    try {
      state = State.CLOSED;
      closeChannelQuietly(null);
      if (channel != null) {
        Files.deleteIfExists(temp);
      }
    } finally {
      release();
    }
  }

  /** Aborts unless committed: a fresh temp file is deleted, a resumable partial is kept. */
  @Override
  public void close() throws IOException {
    if (state != State.OPEN) {
      return;
    }
    try {
      abort(null);
    } finally {
      release();
    }
  }

  private void abort(Throwable cause) throws IOException {
    state = State.CLOSED;
    if (channel == null) {
      return;
    }
    try {
      if (resumable && channel.isOpen()) {
        out.flush();
        channel.force(false);
      }
    } catch (IOException e) {
      if (cause != null) {
        cause.addSuppressed(e);
      } else {
        throw e;
      }
    } finally {
      closeChannelQuietly(cause);
      if (!resumable) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Makes {@code verified}, a synced file of the store's temp area whose content hashes to
   * {@code digest}, the blob {@code digest}: renamed into place, or deleted when someone stored the
   * same content first (theirs is identical). Either way the blob's time is now, so gc's grace counts
   * from this use. Caller holds a lease.
   */
  static void publish(Layout layout, Path verified, Digest digest) throws IOException {
    Path target = layout.blob(digest);
    if (Files.isRegularFile(target)) {
      Files.deleteIfExists(verified);
    } else {
      AtomicFiles.move(verified, target);
      AtomicFiles.syncDirectory(target.getParent());
    }
    touch(target);
  }

  /**
   * Marks a reused blob as fresh, so gc's grace period also protects a blob that a new image is about
   * to reference again. Best effort: the lease is the real protection.
   */
  static void touch(Path blob) {
    try {
      Files.setLastModifiedTime(blob, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException ignored) {
      // read-only or foreign-owned store: the lease still protects the blob
    }
  }

  private void closeChannelQuietly(Throwable cause) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      if (cause != null) {
        cause.addSuppressed(e);
      }
    }
  }

  private void release() throws IOException {
    IOException failure = null;
    for (int i = locks.size() - 1; i >= 0; i--) {
      try {
        locks.get(i).close();
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void releaseQuietly(Throwable cause) {
    try {
      release();
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }
}
