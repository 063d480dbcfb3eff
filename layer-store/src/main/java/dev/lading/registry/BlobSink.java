package dev.lading.registry;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Where a downloaded blob goes, possibly already holding its first bytes from an earlier, interrupted
 * download. The client appends only the missing bytes, and hashes the held prefix (via
 * {@link #readHeld()}) together with the new bytes, so it verifies the size and digest of the whole
 * blob, not just of what it fetched this time.
 *
 * <p>Sinks only ever grow: if a registry ignores {@code Range}, the client drops the bytes it already
 * has from the full answer instead of asking the sink to rewind.
 */
public interface BlobSink extends Closeable {
  /** How many bytes the sink already holds; the download continues from here. */
  long position() throws IOException;

  /** The held bytes, from offset 0 to {@link #position()}, for hashing. */
  InputStream readHeld() throws IOException;

  /** Appends bytes. */
  void write(byte[] b, int off, int len) throws IOException;

  /**
   * True when the sink itself verifies the whole blob's digest before anyone can use it (the store's
   * writer does, when it commits): the client then counts the bytes but does not hash them a second
   * time, nor read the held prefix back.
   */
  default boolean verifiesDigest() {
    return false;
  }

  /** A sink over a stream that holds nothing yet; closing the sink does not close the stream. */
  static BlobSink of(OutputStream out) {
    Objects.requireNonNull(out, "out");
    return new BlobSink() {
      @Override
      public long position() {
        return 0;
      }

      @Override
      public InputStream readHeld() {
        return InputStream.nullInputStream();
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }

  /**
   * A sink that appends to a (partial) file, creating it if needed; what the file already holds is the
   * prefix to resume after. Durability (fsync, rename into place) is the caller's job once the blob is
   * verified.
   */
  static BlobSink appendingTo(Path file) throws IOException {
    return new FileSink(file);
  }

  /** Appends to a file through one channel. */
  final class FileSink implements BlobSink {
    private final Path file;
    private final FileChannel channel;

    private FileSink(Path file) throws IOException {
      this.file = file;
      this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
    }

    @Override
    public long position() throws IOException {
      return channel.size();
    }

    @Override
    public InputStream readHeld() throws IOException {
      return Files.newInputStream(file);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
