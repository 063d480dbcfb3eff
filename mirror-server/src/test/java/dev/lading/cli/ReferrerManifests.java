package dev.lading.cli;

import dev.lading.digest.Digest;
import dev.lading.model.MediaTypes;
import java.nio.charset.StandardCharsets;

/**
 * Artifact manifests with a {@code subject}, as oras and notation push them: an empty config and
 * one empty layer ({@link #EMPTY}, which must be pushed first), an {@code artifactType} and an
 * annotation.
 */
final class ReferrerManifests {
  private ReferrerManifests() {}

  /** The empty JSON object, the content of every blob such a manifest names. */
  static final byte[] EMPTY = "{}".getBytes(StandardCharsets.UTF_8);
  static final String EMPTY_TYPE = "application/vnd.oci.empty.v1+json";

  /** A referrer of {@code subject} (an OCI image manifest of {@code subjectSize} bytes). */
  static byte[] referrer(String artifactType, Digest subject, long subjectSize, String note) {
    String empty = "{\"mediaType\":\"" + EMPTY_TYPE + "\",\"digest\":\"" + Digest.of(EMPTY)
        + "\",\"size\":" + EMPTY.length + "}";
    return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
        + "\"artifactType\":\"" + artifactType + "\",\"config\":" + empty + ",\"layers\":[" + empty
        + "],\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + subject
        + "\",\"size\":" + subjectSize + "},\"annotations\":{\"note\":\"" + note + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The referrers tag schema's index listing {@code referrers}, as oras writes it. */
  static byte[] tagIndex(String[] artifactTypes, byte[]... referrers) {
    StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\""
        + MediaTypes.OCI_INDEX + "\",\"manifests\":[");
    for (int i = 0; i < referrers.length; i++) {
      json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(MediaTypes.OCI_MANIFEST)
          .append("\",\"digest\":\"").append(Digest.of(referrers[i])).append("\",\"size\":")
          .append(referrers[i].length).append(",\"artifactType\":\"").append(artifactTypes[i])
          .append("\"}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
