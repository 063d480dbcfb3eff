package dev.lading.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code /v2/<name>/referrers/<digest>}: an OCI index of the repository's manifests whose
 * {@code subject} is that digest, optionally only those of one {@code artifactType}.
 *
 * <p>Found by reading the repository's manifests on each request: fine for the repositories of a
 * build mirror (tens of manifests); an index kept at push time is for when that stops being so.
 */
final class ReferrersHandler implements ResourceHandler {
  private final RegistryStorage storage;

  ReferrersHandler(RegistryStorage storage) {
    this.storage = storage;
  }

  @Override
  public void handle(HttpServerExchange ex, Route route) throws ApiException, IOException {
    String name = Http.name(route);
    Digest subject = Http.digest(route.argument());
    if (!ex.getRequestMethod().equals(Methods.GET) && !ex.getRequestMethod().equals(Methods.HEAD)) {
      throw ErrorCode.UNSUPPORTED.with(ex.getRequestMethod() + " is not supported on referrers");
    }
    String wanted = Http.query(ex, "artifactType");
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (Descriptor d : storage.manifests(name)) {
      Optional<byte[]> bytes = d.size() > ManifestHandler.MAX_MANIFEST_BYTES ? Optional.empty()
          : storage.smallBlob(d.digest());
      if (bytes.isEmpty()) {
        continue;
      }
      JsonNode doc;
      try {
        doc = Json.mapper().readTree(bytes.get());
      } catch (IOException unreadable) {
        continue;
      }
      if (doc == null || !subject.toString().equals(doc.path("subject").path("digest").asText(null))) {
        continue;
      }
      String artifactType = doc.path("artifactType").asText(null);
      if (artifactType == null && MediaTypes.isImageManifest(d.mediaType())) {
        artifactType = doc.path("config").path("mediaType").asText(null);
      }
      if (wanted != null && !wanted.equals(artifactType)) {
        continue;
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("mediaType", d.mediaType());
      entry.put("digest", d.digest().toString());
      entry.put("size", d.size());
      if (artifactType != null) {
        entry.put("artifactType", artifactType);
      }
      if (doc.path("annotations").isObject()) {
        entry.put("annotations", Json.mapper().convertValue(doc.get("annotations"), TreeMap.class));
      }
      manifests.add(entry);
    }
    if (wanted != null) {
      ex.getResponseHeaders().put(Http.FILTERS_APPLIED, "artifactType");
    }
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    index.put("manifests", manifests);
    Http.json(ex, MediaTypes.OCI_INDEX, index);
  }
}
