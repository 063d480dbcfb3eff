package dev.lading.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes writes through and turns {@code close()} into {@code flush()}. Tar and gzip streams are
 * finished by closing them; this lets them finish without closing the caller's stream (a store
 * writer that must still be committed, say).
 */
public final class NonClosingOutputStream extends FilterOutputStream {
  public NonClosingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len); // FilterOutputStream would write byte by byte
  }

  @Override
  public void close() throws IOException {
    out.flush();
  }
}
