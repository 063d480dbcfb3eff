package dev.lading.registry;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A manifest or index as a registry served it: the exact bytes (digests are over bytes, never over a
 * re-serialisation), its media type, and its verified digest.
 */
public record ManifestResponse(Digest digest, String mediaType, byte[] bytes) {
  public ManifestResponse {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(mediaType, "mediaType");
    bytes = bytes.clone();
  }

  /** A copy of the bytes. */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** A descriptor pointing at this manifest. */
  public Descriptor descriptor() {
    return Descriptor.of(mediaType, digest, bytes.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ManifestResponse m && digest.equals(m.digest) && mediaType.equals(m.mediaType)
        && Arrays.equals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public String toString() {
    return "ManifestResponse[" + mediaType + " " + digest + ", " + bytes.length + " bytes]";
  }
}
