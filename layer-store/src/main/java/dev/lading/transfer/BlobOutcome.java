package dev.lading.transfer;

/** What happened to one blob of a copy at its destination. */
public enum BlobOutcome {
  /** Its bytes were written (downloaded, uploaded or copied). */
  COPIED,
  /** The destination already had it, so nothing moved. */
  SKIPPED_EXISTS,
  /** The registry linked it from another repository of the same registry: no bytes moved. */
  MOUNTED
}
