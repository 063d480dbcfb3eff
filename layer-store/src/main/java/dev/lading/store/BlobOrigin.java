package dev.lading.store;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A registry repository known to hold a blob, so that a blob the store lacks can be fetched from
 * there, or mounted when pushing to another repository of the same registry.
 *
 * @param registry {@code host[:port]} as the image reference names it
 * @param repository the repository path, e.g. {@code library/debian}
 */
public record BlobOrigin(String registry, String repository) {
  private static final Pattern NO_SPACE = Pattern.compile("\\S+");

  public BlobOrigin {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    // One origin is one line on disk: refuse anything that would break that format.
    if (!NO_SPACE.matcher(registry).matches() || registry.contains("/")
        || !NO_SPACE.matcher(repository).matches() || repository.startsWith("/")) {
      throw new IllegalArgumentException("bad blob origin '" + registry + "/" + repository
          + "': expected HOST[:PORT]/REPOSITORY without spaces");
    }
  }

  /** Parses {@code host[:port]/repository}, the form {@link #toString()} writes. */
  public static BlobOrigin parse(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException("bad blob origin '" + text + "': expected HOST[:PORT]/REPOSITORY");
    }
    return new BlobOrigin(text.substring(0, slash), text.substring(slash + 1));
  }

  @Override
  public String toString() {
    return registry + "/" + repository;
  }
}
