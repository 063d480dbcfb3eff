package dev.lading.io;

import java.io.FilterInputStream;
import java.io.InputStream;

/** Keeps the caller's stream open when the decompressor is closed. */
public final class NonClosingInputStream extends FilterInputStream {
  public NonClosingInputStream(InputStream in) {
    super(in);
  }

  @Override
  public void close() {
    // the caller owns the stream
  }
}
