package dev.lading.store.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import java.util.List;
import java.util.Map;

/**
 * What a store archive holds beyond the OCI layout, in {@code .lading/archive.json} (OCI tools ignore
 * it): the mirror's repository tags, where absent blobs can be fetched from, and the list of blobs, so
 * that an import knows the total up front and can tell a complete archive from a cut one.
 *
 * @param format {@link #FORMAT}
 * @param blobs every blob file of the archive with its size, in archive order
 * @param tags repository tags of the registry mirror
 * @param origins for blobs the images need but the archive lacks: {@code host/repository} names
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "blobs", "tags", "origins"})
record ArchiveMetadata(String format, List<Blob> blobs, List<Tag> tags,
    Map<String, List<String>> origins) {
  static final String FORMAT = "lading-store-archive-1";
  /** Where the metadata sits in the tar. */
  static final String ENTRY = ".lading/archive.json";

  ArchiveMetadata {
    blobs = blobs == null ? List.of() : List.copyOf(blobs);
    tags = tags == null ? List.of() : List.copyOf(tags);
    origins = origins == null ? Map.of() : Map.copyOf(origins);
  }

  /** One blob file of the archive. */
  @JsonPropertyOrder({"digest", "size"})
  record Blob(Digest digest, long size) {}

  /** One repository tag. */
  @JsonPropertyOrder({"repository", "tag", "descriptor"})
  record Tag(String repository, String tag, Descriptor descriptor) {}

  long totalBytes() {
    return blobs.stream().mapToLong(Blob::size).sum();
  }
}
