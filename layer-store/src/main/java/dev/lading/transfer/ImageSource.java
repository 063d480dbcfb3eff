package dev.lading.transfer;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.model.InvalidImageException;
import dev.lading.store.Store;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongConsumer;

/** Reads one image location: its documents into memory, its blobs into the store. */
interface ImageSource extends Closeable {

  /** The manifest or index the location names. */
  RawDocument root() throws IOException;

  /** A manifest or index the root refers to; the caller checks it against {@code d}. */
  byte[] manifest(Descriptor d) throws IOException;

  /** A small blob (a config) in memory, checked against its digest. */
  byte[] smallBlob(Descriptor d) throws IOException;

  /**
   * Makes sure {@code d} is complete and verified in {@code store}.
   *
   * @param progress receives the bytes held so far while bytes move
   * @return true when this call (or this source, while opening) moved its bytes into the store
   */
  boolean fetchInto(Store store, Descriptor d, LongConsumer progress) throws IOException;

  /**
   * A file on this machine that holds {@code d}'s bytes as the source has them (not yet verified), so
   * a reader that needs no store can read it in place; empty for sources that must fetch.
   */
  default Optional<Path> localBlob(Descriptor d) {
    return Optional.empty();
  }

  /**
   * A download of {@code d} that writes its bytes into a sink as they arrive (the sink verifies the
   * digest), for a destination that passes them on while they come; empty for sources that are files
   * here or the store itself.
   */
  default Optional<GrowingBlob.Download> streamed(Descriptor d) {
    return Optional.empty();
  }

  /** The registry repository this image is known to come from, for cross-repository mounts. */
  default Optional<ImageReference> origin() {
    return Optional.empty();
  }

  @Override
  default void close() throws IOException {}

  /** Throws unless {@code bytes} are what {@code d} describes. */
  static byte[] verified(byte[] bytes, Descriptor d, String where) {
    Digest actual = Digest.of(bytes);
    if (!actual.equals(d.digest()) || bytes.length != d.size()) {
      throw new InvalidImageException(where + ": " + d.digest() + " (" + d.size() + " bytes) has content "
          + actual + " (" + bytes.length + " bytes); the source is corrupt, fetch or build it again");
    }
    return bytes;
  }
}
