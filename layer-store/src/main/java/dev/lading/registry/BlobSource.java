package dev.lading.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The content of a blob to upload. It must be re-openable, because retries and chunked uploads read it
 * more than once, and it must yield exactly {@link #size()} bytes every time.
 */
public interface BlobSource {
  /** The content's length in bytes. */
  long size() throws IOException;

  /** A fresh stream over the whole content; the caller closes it. */
  InputStream open() throws IOException;

  /** A fresh stream starting at {@code offset}; override when seeking is cheaper than skipping. */
  default InputStream openAt(long offset) throws IOException {
    InputStream in = open();
    try {
      in.skipNBytes(offset);
      return in;
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** Content held in memory (config blobs, small layers); the array is copied. */
  static BlobSource of(byte[] bytes) {
    byte[] copy = bytes.clone();
    return new BlobSource() {
      @Override
      public long size() {
        return copy.length;
      }

      @Override
      public InputStream open() {
        return new ByteArrayInputStream(copy);
      }

      @Override
      public InputStream openAt(long offset) {
        return new ByteArrayInputStream(copy, (int) offset, copy.length - (int) offset);
      }
    };
  }

  /** Content of a file (a blob in the store). */
  static BlobSource of(Path file) {
    return new BlobSource() {
      @Override
      public long size() throws IOException {
        return Files.size(file);
      }

      @Override
      public InputStream open() throws IOException {
        return Files.newInputStream(file);
      }

      @Override
      public InputStream openAt(long offset) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(offset);
        return Channels.newInputStream(channel);
      }
    };
  }
}
