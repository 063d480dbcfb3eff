package dev.lading.transfer;

import java.util.List;

/** Short listings of names for error messages. */
final class Listing {
  private static final int MAX = 20;

  private Listing() {}

  /** Up to 20 names, comma separated, with a count of the rest. */
  static String some(List<String> names) {
    if (names.isEmpty()) {
      return "(nothing)";
    }
    String shown = String.join(", ", names.subList(0, Math.min(MAX, names.size())));
    return names.size() > MAX ? shown + " and " + (names.size() - MAX) + " more" : shown;
  }
}
