package dev.lading.mirror;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A read-only view of bytes {@code [start, end)} of an open file that may be longer (a download
 * still growing, whose bytes past {@code end} are not released yet). Undertow's
 * {@code transferFrom(FileChannel)} sends from {@code position()} to {@code size()}, with
 * {@code sendfile} where the connection allows it; this view is what makes it stop at {@code end}.
 * Closing the view leaves the file open.
 */
final class FileWindow extends FileChannel {
  private final FileChannel file;
  private final long end;
  private long position;

  FileWindow(FileChannel file, long start, long end) {
    this.file = file;
    this.position = start;
    this.end = end;
  }

  private int clamp(ByteBuffer dst, long at) {
    long left = end - at;
    return left <= 0 ? 0 : (int) Math.min(dst.remaining(), left);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int n = read(dst, position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int n = read(dsts[i]);
      if (n <= 0) {
        return total == 0 ? n : total;
      }
      total += n;
      if (dsts[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public int read(ByteBuffer dst, long at) throws IOException {
    if (at >= end) {
      return -1;
    }
    int allowed = clamp(dst, at);
    int limit = dst.limit();
    dst.limit(dst.position() + allowed);
    try {
      return file.read(dst, at);
    } finally {
      dst.limit(limit);
    }
  }

  @Override
  public long transferTo(long at, long count, WritableByteChannel target) throws IOException {
    long allowed = Math.min(count, end - at);
    return allowed <= 0 ? 0 : file.transferTo(at, allowed, target);
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public FileChannel position(long newPosition) {
    position = newPosition;
    return this;
  }

  @Override
  public long size() {
    return end;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) {
    throw new NonWritableChannelException();
  }

  @Override
  public int write(ByteBuffer src, long at) {
    throw new NonWritableChannelException();
  }

  @Override
  public FileChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long at, long count) {
    throw new NonWritableChannelException();
  }

  @Override
  public void force(boolean metaData) {
    // read-only: nothing to make durable
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long at, long size) {
    throw new UnsupportedOperationException("not mapped: the file may still grow");
  }

  @Override
  public FileLock lock(long at, long size, boolean shared) {
    throw new UnsupportedOperationException("no locks on a window");
  }

  @Override
  public FileLock tryLock(long at, long size, boolean shared) {
    throw new UnsupportedOperationException("no locks on a window");
  }

  @Override
  protected void implCloseChannel() {
    // the file belongs to the caller
  }
}
