package dev.lading.build;

import dev.lading.digest.Digest;
import dev.lading.layer.LayerResult;
import dev.lading.layer.ReproducibleLayer;
import dev.lading.store.BlobWriter;
import dev.lading.store.Store;
import java.io.IOException;

/** Writes a layer into the store as one verified gzip blob. */
public final class StoredLayers {
  private StoredLayers() {}

  /** Writes {@code layer} (named {@code name} in errors) and returns its diffId, digest and size. */
  public static LayerResult write(Store store, ReproducibleLayer layer, String name) throws IOException {
    try (BlobWriter writer = store.writer(null)) {
      LayerResult result = layer.writeTo(writer);
      Digest stored = writer.commit();
      if (!stored.equals(result.digest())) {
        throw new IOException("layer " + name + " was stored as " + stored + " but hashed as "
            + result.digest() + " while written; the store or the disk is faulty (run fsck)");
      }
      return result;
    }
  }
}
