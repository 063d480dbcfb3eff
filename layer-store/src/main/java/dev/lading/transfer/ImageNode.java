package dev.lading.transfer;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.ManifestDocument;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One manifest or index of the image being moved, with its exact bytes, and for an index the
 * documents it lists. The descriptor is how the parent refers to it (with its platform).
 */
record ImageNode(Descriptor descriptor, byte[] bytes, ManifestDocument document, List<ImageNode> children) {
  ImageNode {
    children = List.copyOf(children);
  }

  /** Every node below and including this one, children before parents (the order to push them). */
  void forEachBottomUp(Consumer<ImageNode> action) {
    for (ImageNode child : children) {
      child.forEachBottomUp(action);
    }
    action.accept(this);
  }

  /** The configs and layers of every image in this tree, each digest once, in manifest order. */
  Map<String, Descriptor> blobs() {
    Map<String, Descriptor> blobs = new LinkedHashMap<>();
    forEachBottomUp(node -> {
      if (node.document instanceof ImageManifest m) {
        blobs.putIfAbsent(m.config().digest().toString(), m.config());
        for (Descriptor layer : m.layers()) {
          blobs.putIfAbsent(layer.digest().toString(), layer);
        }
      }
    });
    return blobs;
  }

  boolean isIndex() {
    return document instanceof ImageIndex;
  }
}
