package dev.lading.store;

import dev.lading.digest.Digest;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Store#fsck()} found and did.
 *
 * @param blobsChecked blobs re-hashed
 * @param bytesChecked their total size
 * @param quarantined blobs whose content did not match their name, moved to {@code .lading/quarantine}
 * @param missing blobs that a ref (directly or through its manifests) needs but the store lacks, or
 *     has with the wrong size, or cannot parse; absent blobs with a known origin are not missing
 * @param lazy configs and layers that refs need and the store deliberately lacks (base layers a build
 *     referenced without downloading), with where they can be fetched from: not a problem
 * @param removedTempFiles leftover temp files and partial downloads older than the age limit, deleted
 * @param indexRepaired true when {@code index.json} did not match the refs and was rewritten (in a
 *     check without repairs: did not match)
 * @param quarantinedTags repository tag files that held no readable descriptor, moved to
 *     {@code .lading/quarantine} (the tag must be set again)
 * @param repaired false when the store could not be written (a read-only mount, another user's
 *     store): then nothing was moved, deleted or rewritten, and {@code movedTo} is null throughout
 */
public record FsckReport(
    int blobsChecked,
    long bytesChecked,
    List<Quarantined> quarantined,
    List<Missing> missing,
    List<Lazy> lazy,
    List<Path> removedTempFiles,
    boolean indexRepaired,
    List<QuarantinedTag> quarantinedTags,
    boolean repaired) {

  public FsckReport {
    quarantined = List.copyOf(quarantined);
    missing = List.copyOf(missing);
    lazy = List.copyOf(lazy);
    removedTempFiles = List.copyOf(removedTempFiles);
    quarantinedTags = List.copyOf(quarantinedTags);
  }

  /** A corrupt blob: its name, what it really hashes to, and where it was moved. */
  public record Quarantined(String name, Digest actual, Path movedTo) {}

  /** A tag file that did not hold a descriptor: the tag, why, and where the file was moved. */
  public record QuarantinedTag(String repository, String tag, String reason, Path movedTo) {}

  /**
   * A blob that {@code ref} needs and that is not usable (for a repository tag, {@code ref} is
   * {@code <repository>:<tag>}); {@code reason} says why ("missing", a size
   * mismatch, an unreadable manifest). A blob shared by several refs is reported for the first.
   */
  public record Missing(String ref, Digest digest, String reason) {}

  /**
   * A blob that {@code ref} needs, that the store does not hold and that {@code origins} hold; it is
   * fetched (or mounted) when something needs its bytes.
   */
  public record Lazy(String ref, Digest digest, List<BlobOrigin> origins) {
    public Lazy {
      origins = List.copyOf(origins);
    }
  }

  /**
   * True when every blob and tag file is intact and every ref and tag is complete (lazy blobs count
   * as complete).
   */
  public boolean clean() {
    return quarantined.isEmpty() && missing.isEmpty() && quarantinedTags.isEmpty();
  }
}
