package dev.lading.cli;

import dev.lading.model.ImageReference;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of images, one a line, as {@code lading store seed --file} reads it: {@code #} starts a
 * comment, blank lines are ignored. Kept as a file so that a CI cache key can be its hash.
 */
final class ImageListFile {
  private ImageListFile() {}

  /**
   * The images of {@code text}, in order, each once.
   *
   * @param name how to name the file in errors (its path, or {@code stdin})
   * @throws IllegalArgumentException naming the file and line of a text that is not an image reference
   */
  static List<ImageReference> parse(String text, String name) {
    List<ImageReference> images = new ArrayList<>();
    int number = 0;
    for (String line : text.split("\r?\n", -1)) {
      number++;
      int hash = line.indexOf('#');
      String image = (hash < 0 ? line : line.substring(0, hash)).strip();
      if (image.isEmpty()) {
        continue;
      }
      if (image.contains(" ") || image.contains("\t")) {
        throw new IllegalArgumentException(name + ":" + number + ": one image a line, found '" + image + "'");
      }
      ImageReference reference;
      try {
        reference = ImageReference.parse(image);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(name + ":" + number + ": " + e.getMessage(), e);
      }
      if (!images.contains(reference)) {
        images.add(reference);
      }
    }
    return images;
  }
}
