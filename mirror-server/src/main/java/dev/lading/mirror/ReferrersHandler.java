package dev.lading.mirror;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.MediaTypes;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v2/<name>/referrers/<digest>}: an OCI index of the repository's manifests whose
 * {@code subject} is that digest (with pull-through, the upstream's too), optionally only those of
 * one {@code artifactType}.
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
    List<Descriptor> manifests = storage.referrers(name, subject, wanted).stream()
        .filter(d -> wanted == null || wanted.equals(d.artifactType()))
        .toList();
    if (wanted != null) {
      // Filtered here whatever the sources did, so the header is always true.
      ex.getResponseHeaders().put(Http.FILTERS_APPLIED, "artifactType");
    }
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    index.put("manifests", manifests);
    Http.json(ex, MediaTypes.OCI_INDEX, index);
  }
}
