package dev.lading.digest;

import java.io.IOException;

/** Content did not hash to the digest it was announced under: it is corrupt or was tampered with. */
public final class DigestMismatchException extends IOException {
  private final Digest expected;
  private final Digest actual;

  public DigestMismatchException(String what, Digest expected, Digest actual) {
    super(what + " should have digest " + expected + " but has " + actual
        + "; the content is corrupt or was changed in transit: nothing was stored, try again"
        + " or check the source");
    this.expected = expected;
    this.actual = actual;
  }

  public Digest expected() {
    return expected;
  }

  public Digest actual() {
    return actual;
  }
}
