package dev.lading.transfer;

import dev.lading.model.Descriptor;
import java.io.IOException;

/** Writes an image to one kind of location: blobs first (in parallel), then the documents. */
interface Destination extends AutoCloseable {

  /** Brings a blob's bytes from the source. */
  interface Feed {
    /** Brings a blob into the transfer's store when it is not there yet; true when bytes moved. */
    boolean ensureInStore(Descriptor blob) throws IOException;

    /**
     * A file holding the blob's verified bytes, for a destination that only reads them: the store's
     * file, or the source's own file on this machine, verified in place and not copied.
     */
    java.nio.file.Path verifiedFile(Descriptor blob) throws IOException;

    /**
     * The blob while it arrives, for a destination that passes bytes on as they come (an upload):
     * the download runs on another thread into the store, and readers get the last byte only once
     * the digest is verified. Empty when the blob is in the store already or the source is a file
     * here: then {@link #verifiedFile} costs no download.
     */
    java.util.Optional<GrowingBlob> stream(Descriptor blob) throws IOException;
  }

  /**
   * Puts one config or layer at the destination. Called from several threads at once.
   *
   * @param progress receives bytes done while bytes move to the destination
   */
  BlobOutcome putBlob(Descriptor blob, Feed feed, java.util.function.LongConsumer progress)
      throws IOException;

  /** Writes the manifests and indexes (all in the store already) and names the root. */
  void commit(ImageNode root) throws IOException;

  @Override
  default void close() throws IOException {}
}
