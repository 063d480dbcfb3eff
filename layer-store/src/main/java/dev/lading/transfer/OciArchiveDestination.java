package dev.lading.transfer;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/** Writes a tar of an OCI image layout holding one image (named by the location's ref, if any). */
final class OciArchiveDestination implements Destination {
  private static final byte[] OCI_LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private final Store store;
  private final OciArchiveLocation location;

  OciArchiveDestination(Store store, OciArchiveLocation location) {
    this.store = store;
    this.location = location;
  }

  @Override
  public BlobOutcome putBlob(Descriptor blob, Feed feed, LongConsumer progress) throws IOException {
    feed.ensureInStore(blob);
    return BlobOutcome.COPIED;
  }

  @Override
  public void commit(ImageNode root) throws IOException {
    Map<String, Archives.Content> files = new TreeMap<>();
    files.put("oci-layout", Archives.bytes(OCI_LAYOUT));
    root.forEachBottomUp(node -> files.put(blobName(node.descriptor()), Archives.bytes(node.bytes())));
    for (Descriptor blob : root.blobs().values()) {
      files.put(blobName(blob), Archives.file(store.blobPath(blob.digest())));
    }
    Descriptor entry = Descriptor.of(root.descriptor().mediaType(), root.descriptor().digest(),
        root.descriptor().size());
    if (location.ref() != null) {
      entry = entry.withAnnotations(Map.of(Descriptor.REF_NAME, location.ref()));
    }
    // The layout's own index.json is always OCI, whatever family the image is in.
    ImageIndex index = new ImageIndex(2, MediaTypes.OCI_INDEX, null, List.of(entry), null, null);
    files.put("index.json", Archives.bytes(Json.write(index)));
    Archives.writeTar(location.path(), files);
  }

  private static String blobName(Descriptor d) {
    return "blobs/" + d.digest().algorithm() + "/" + d.digest().hex();
  }
}
