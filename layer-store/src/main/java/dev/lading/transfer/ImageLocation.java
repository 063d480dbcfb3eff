package dev.lading.transfer;

import dev.lading.model.ImageReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where an image lives, written the way skopeo writes it: {@code docker://host/repo:tag},
 * {@code oci:PATH[:REF]}, {@code docker-archive:PATH[:REF]}, {@code oci-archive:PATH[:REF]}, or
 * {@code store:REF} for Lading's own store.
 */
public sealed interface ImageLocation
    permits RegistryLocation, LayoutLocation, DockerArchiveLocation, OciArchiveLocation, StoreLocation {

  /** The accepted forms, for error messages and help texts. */
  String ACCEPTED_FORMS = "docker://HOST[:PORT]/REPO[:TAG|@DIGEST], oci:PATH[:REF],"
      + " docker-archive:PATH[:REF], oci-archive:PATH[:REF] or store:REF"
      + " (e.g. docker://ghcr.io/owner/app:1, oci:/tmp/layout:app, store:debian:12)";

  /**
   * Parses a location. Archives and layouts split PATH from REF at the first ':' after the prefix,
   * like skopeo, so a PATH cannot contain ':'. {@code store:} references are normalised, so
   * {@code store:debian} and {@code store:docker.io/library/debian:latest} are the same location.
   *
   * @throws IllegalArgumentException saying what is wrong and listing the accepted forms
   */
  static ImageLocation parse(String text) {
    Objects.requireNonNull(text, "location");
    String trimmed = text.strip();
    int colon = trimmed.indexOf(':');
    String transport = colon < 0 ? "" : trimmed.substring(0, colon);
    String rest = colon < 0 ? "" : trimmed.substring(colon + 1);
    switch (transport) {
      case "docker" -> {
        if (!rest.startsWith("//")) {
          throw bad(text, "a registry location starts with docker:// (two slashes)");
        }
        return new RegistryLocation(reference(text, rest.substring(2)));
      }
      case "oci" -> {
        String[] pathRef = pathAndRef(text, rest);
        return new LayoutLocation(Path.of(pathRef[0]), pathRef[1]);
      }
      case "docker-archive" -> {
        String[] pathRef = pathAndRef(text, rest);
        return new DockerArchiveLocation(Path.of(pathRef[0]), pathRef[1]);
      }
      case "oci-archive" -> {
        String[] pathRef = pathAndRef(text, rest);
        return new OciArchiveLocation(Path.of(pathRef[0]), pathRef[1]);
      }
      case "store" -> {
        return new StoreLocation(reference(text, rest).toString());
      }
      default -> {
        String why = colon < 0 ? "it names no transport" : "unknown transport '" + transport + "'";
        String hint = looksLikeReference(trimmed)
            ? "; for a registry image write docker://" + trimmed + ", for the store store:" + trimmed
            : "";
        throw bad(text, why + hint);
      }
    }
  }

  /** The location in the text form {@link #parse} reads. */
  String text();

  /** True when {@code text} starts with a transport ({@code docker://}, {@code oci:} ...), not a bare reference. */
  static boolean hasTransport(String text) {
    for (String transport : List.of("docker://", "oci:", "oci-archive:", "docker-archive:", "store:")) {
      if (text.startsWith(transport)) {
        return true;
      }
    }
    return false;
  }

  /** True for a layout or an archive on this machine: readable without a registry or the store. */
  default boolean isLocalFile() {
    return this instanceof LayoutLocation || this instanceof OciArchiveLocation
        || this instanceof DockerArchiveLocation;
  }

  private static ImageReference reference(String text, String reference) {
    if (reference.isEmpty()) {
      throw bad(text, "the image reference is empty");
    }
    try {
      return ImageReference.parse(reference);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid image location '" + text + "': " + e.getMessage(), e);
    }
  }

  private static String[] pathAndRef(String text, String rest) {
    int colon = rest.indexOf(':');
    String path = colon < 0 ? rest : rest.substring(0, colon);
    String ref = colon < 0 ? null : rest.substring(colon + 1);
    if (path.isEmpty()) {
      throw bad(text, "the path is empty");
    }
    if (ref != null && ref.isEmpty()) {
      throw bad(text, "the reference after the path's ':' is empty (leave out the ':' to mean none)");
    }
    return new String[] {path, ref};
  }

  private static boolean looksLikeReference(String text) {
    try {
      ImageReference.parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("invalid image location '" + text + "': " + why
        + " (expected " + ACCEPTED_FORMS + ")");
  }
}
