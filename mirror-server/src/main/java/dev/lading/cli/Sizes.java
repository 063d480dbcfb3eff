package dev.lading.cli;

import dev.lading.io.ByteSize;

/** Byte counts as people read them. */
final class Sizes {
  private Sizes() {}

  static String human(long bytes) {
    return ByteSize.human(bytes);
  }
}
