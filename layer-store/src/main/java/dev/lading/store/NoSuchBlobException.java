package dev.lading.store;

import dev.lading.digest.Digest;
import java.io.IOException;
import java.nio.file.Path;

/** A blob was asked for that the store does not hold. */
public final class NoSuchBlobException extends IOException {
  private final Digest digest;

  public NoSuchBlobException(Digest digest, Path store) {
    super("blob " + digest + " is not in the store " + store
        + "; pull or build the image again to fetch it (run fsck if a ref points at it)");
    this.digest = digest;
  }

  public Digest digest() {
    return digest;
  }
}
