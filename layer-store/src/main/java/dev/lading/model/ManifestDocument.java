package dev.lading.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a registry serves at {@code /v2/<name>/manifests/<ref>}: either one image's manifest or an
 * index (manifest list) of images for several platforms.
 */
public sealed interface ManifestDocument permits ImageManifest, ImageIndex {

  /** The message for Docker schema 1 documents, which we refuse to read. */
  String SCHEMA_1_MESSAGE =
      "schema 1 manifests are deprecated; re-push the image with a current client";

  int schemaVersion();

  /** The {@code mediaType} field as written; null when an OCI document leaves it out. */
  String mediaType();

  Map<String, String> annotations();

  /** The family this document belongs to, whether or not its JSON names its media type. */
  ImageFormat format();

  /** The media type this document is: the {@code Content-Type} to push it with. */
  String contentType();

  /**
   * Reads a manifest or index from the bytes a registry (or a layout) returned.
   *
   * @param json the document's bytes
   * @param announcedType the {@code Content-Type} the registry sent; null, empty or a generic type
   *     ({@code application/json}, {@code application/octet-stream}) make us detect the type from the
   *     JSON's own {@code mediaType} field, then from its shape
   * @throws InvalidImageException for malformed documents, Docker schema 1, a header that
   *     contradicts the document, or media types that are not manifests or indexes
   */
  static ManifestDocument parse(byte[] json, String announcedType) {
    String header = normalise(announcedType);
    if (header != null && isSchema1(header)) {
      throw new InvalidImageException(SCHEMA_1_MESSAGE);
    }
    JsonNode tree = Json.read(json, JsonNode.class, "manifest");
    if (!tree.isObject()) {
      throw new InvalidImageException("invalid manifest: expected a JSON object, found " + tree.getNodeType());
    }
    JsonNode typeNode = tree.get("mediaType");
    String bodyType = typeNode != null && typeNode.isTextual() ? typeNode.asText() : null;
    if (isSchema1(bodyType) || tree.path("schemaVersion").asInt(0) == 1) {
      throw new InvalidImageException(SCHEMA_1_MESSAGE);
    }
    String type;
    if (header != null) {
      if (bodyType != null && !bodyType.equals(header)) {
        // Trusting either side here would let a server make us read one document as another kind.
        throw new InvalidImageException("the registry announced a " + header
            + " but the document says it is a " + bodyType + "; refusing an ambiguous manifest");
      }
      type = header;
    } else if (bodyType != null) {
      type = bodyType;
    } else if (tree.has("manifests")) {
      type = MediaTypes.OCI_INDEX;
    } else if (tree.has("config")) {
      type = MediaTypes.OCI_MANIFEST;
    } else {
      throw new InvalidImageException("cannot tell what kind of manifest this is: it names no"
          + " mediaType and has neither 'config' nor 'manifests'");
    }
    if (MediaTypes.isIndex(type)) {
      return Json.read(json, ImageIndex.class, "image index");
    }
    if (MediaTypes.isImageManifest(type)) {
      return Json.read(json, ImageManifest.class, "image manifest");
    }
    throw new InvalidImageException("unsupported manifest media type '" + type + "' (expected one of "
        + String.join(", ", new java.util.TreeSet<>(MediaTypes.MANIFEST_TYPES)) + ")");
  }

  /** The bare media type of a Content-Type header, or null when it does not say what the document is. */
  private static String normalise(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    String bare = (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .trim().toLowerCase(Locale.ROOT);
    return GENERIC_TYPES.contains(bare) ? null : bare;
  }

  private static boolean isSchema1(String mediaType) {
    return MediaTypes.DOCKER_MANIFEST_V1.equals(mediaType)
        || MediaTypes.DOCKER_MANIFEST_V1_SIGNED.equals(mediaType);
  }

  /** Content types that servers send when they do not know (or say) what the document is. */
  Set<String> GENERIC_TYPES = Set.of(
      "", "application/json", "application/octet-stream", "binary/octet-stream", "text/plain");
}
