package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.io.BoundedInputStream;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * A blob written into a file of the store's temp area that other threads read while it grows (a
 * pull-through download streamed to many clients), hashed on its way in: the digest is computed by
 * this class over exactly the bytes it wrote (and the bytes the file already held when opened, read
 * back once), so {@link #commit} publishes the blob without reading it a second time.
 *
 * <p>Every write goes straight to the file (no buffer), so readers of the path see it at once. A blob
 * becomes visible only through {@link #verify} then {@link #commit} (fsync, atomic rename); until
 * then, and after a kill, the file is just a temp file that gc removes. Not thread-safe: one writer.
 */
public final class HashingFile implements AutoCloseable {
  private enum State { OPEN, VERIFIED, DONE }

  private final Layout layout;
  private final Path file;
  private final FileChannel channel;
  private final MessageDigest md = Digest.newSha256();
  private final EarlyWriteback writeback;
  private long position;
  private Digest verified;
  private State state = State.OPEN;

  private HashingFile(Layout layout, Path file) throws IOException {
    this.layout = layout;
    this.file = file;
    this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    this.writeback = new EarlyWriteback(channel);
    try {
      prime();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  static HashingFile open(Layout layout, Path file) throws IOException {
    return new HashingFile(layout, file);
  }

  /** Hashes what the file already holds (a resumed download), so the digest covers all of it. */
  private void prime() throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
    long size = channel.size();
    while (position < size) {
      buffer.clear();
      int n = channel.read(buffer, position);
      if (n < 0) {
        break;
      }
      md.update(buffer.array(), 0, n);
      position += n;
    }
    channel.position(position);
  }

  /** The file being written. */
  public Path path() {
    return file;
  }

  /** Bytes the file holds, and that the digest covers. */
  public long position() {
    return position;
  }

  /** The bytes held so far, from offset 0 to {@link #position()}. */
  public InputStream readHeld() throws IOException {
    long length = position;
    return new BoundedInputStream(Files.newInputStream(file), length);
  }

  /** Appends bytes, visible to readers of the file when this returns. */
  public void write(byte[] b, int off, int len) throws IOException {
    if (state != State.OPEN) {
      throw new IllegalStateException("the file is " + state.name().toLowerCase() + "; no more writes");
    }
    ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
    try {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      throw StoreFullException.wrap(e, layout, null);
    }
    md.update(b, off, len);
    position += len;
    writeback.wrote(len);
  }

  /**
   * Checks the digest of everything written against {@code expected}. On a mismatch the file is
   * deleted and nothing can be committed; on a match the bytes are known good (readers may take the
   * last byte) though not yet durable nor in the store.
   *
   * @throws DigestMismatchException when the bytes are not the blob {@code expected}
   */
  public void verify(Digest expected) throws IOException {
    if (state != State.OPEN) {
      throw new IllegalStateException("the file is already " + state.name().toLowerCase());
    }
    Digest actual = Digest.fromRaw(md.digest());
    if (!actual.equals(expected)) {
      state = State.DONE;
      channel.close();
      Files.deleteIfExists(file);
      throw new DigestMismatchException("blob", expected, actual);
    }
    verified = actual;
    state = State.VERIFIED;
  }

  /**
   * Publishes the verified blob: fsync, then an atomic rename into {@code blobs/} under a lease (gc
   * cannot take it before the caller references it). The file is gone afterwards.
   */
  public Descriptor commit(String mediaType) throws IOException {
    if (state != State.VERIFIED) {
      throw new IllegalStateException("verify the digest before committing (the file is "
          + state.name().toLowerCase() + ")");
    }
    state = State.DONE;
    try (ProcessLocks.Held lease = ProcessLocks.JVM.acquire(layout.leaseLock(), true)) {
      try {
        channel.force(true);
      } finally {
        channel.close();
      }
      BlobWriter.publish(layout, file, verified);
      return Descriptor.of(mediaType, verified, position);
    } catch (IOException e) {
      throw StoreFullException.wrap(e, layout, verified);
    }
  }

  /** Closes the file without publishing anything; the caller removes it (or gc does). */
  @Override
  public void close() throws IOException {
    if (state != State.DONE) {
      state = State.DONE;
      channel.close();
    }
  }
}
