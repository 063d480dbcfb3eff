package dev.lading.transfer;

import dev.lading.model.Descriptor;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What an unpack did.
 *
 * @param manifest the image manifest whose layers were applied
 * @param targetDir the root file system directory
 * @param layers the layers applied, bottom first
 * @param entries tar entries applied over all layers
 * @param uncompressedBytes uncompressed bytes read over all layers
 * @param notes what the extractor wants the user to know (skipped devices, recorded owners)
 */
public record UnpackResult(Descriptor manifest, Path targetDir, List<Descriptor> layers, long entries,
    long uncompressedBytes, List<String> notes) {
  public UnpackResult {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(targetDir, "targetDir");
    layers = List.copyOf(layers);
    notes = List.copyOf(notes);
  }
}
