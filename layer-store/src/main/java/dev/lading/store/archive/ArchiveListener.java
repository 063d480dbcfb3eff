package dev.lading.store.archive;

import dev.lading.digest.Digest;

/** Progress of an export or import, for a front end to show; called on the working thread. */
public interface ArchiveListener {
  /** Nothing shown. */
  ArchiveListener NONE = (blob, size, bytesDone, totalBytes) -> { };

  /**
   * One more blob has been written (export) or stored or found present (import).
   *
   * @param bytesDone bytes of blobs handled so far, this one included
   * @param totalBytes bytes of all blobs, or -1 when unknown (an archive from another tool)
   */
  void blobDone(Digest blob, long size, long bytesDone, long totalBytes);
}
