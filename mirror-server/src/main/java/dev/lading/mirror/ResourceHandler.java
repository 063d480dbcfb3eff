package dev.lading.mirror;

import io.undertow.server.HttpServerExchange;
import java.io.IOException;

/**
 * One API resource: called on a worker thread with blocking I/O started (blobs: see
 * {@link BlobHandler}); refusals are thrown.
 */
interface ResourceHandler {
  void handle(HttpServerExchange ex, Route route) throws ApiException, IOException;
}
