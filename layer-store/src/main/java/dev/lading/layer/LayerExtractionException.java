package dev.lading.layer;

import java.io.IOException;

/** A layer could not be applied: it is malformed, hostile, too large, or the disk refused a write. */
public final class LayerExtractionException extends IOException {
  private final String layer;
  private final String entry;

  public LayerExtractionException(String layer, String entry, String message, Throwable cause) {
    super("layer " + layer + (entry == null ? "" : ", entry '" + entry + "'") + ": " + message, cause);
    this.layer = layer;
    this.entry = entry;
  }

  public LayerExtractionException(String layer, String entry, String message) {
    this(layer, entry, message, null);
  }

  /** The layer being applied (its digest or file name, as the caller named it). */
  public String layer() {
    return layer;
  }

  /** The tar entry name at fault, or null when the layer as a whole is. */
  public String entry() {
    return entry;
  }
}
