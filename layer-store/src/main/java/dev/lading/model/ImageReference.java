package dev.lading.model;

import dev.lading.digest.Digest;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A normalised image reference, {@code registry/repository[:tag][@digest]}, parsed the way Docker
 * parses what users type ({@code debian} is {@code docker.io/library/debian:latest}).
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

  /** Docker Hub's name in references. */
  public static final String DOCKER_HUB = "docker.io";
  /** The host that serves Docker Hub's registry API. */
  public static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";
  /** The old name of Docker Hub, still accepted and rewritten to {@link #DOCKER_HUB}. */
  private static final String LEGACY_DOCKER_HUB = "index.docker.io";
  private static final String OFFICIAL_PREFIX = "library/";
  public static final String DEFAULT_TAG = "latest";
  /** Docker's limit on registry + "/" + repository. */
  public static final int MAX_NAME_LENGTH = 255;

  private static final String EXPECTED_FORM =
      "expected [registry[:port]/]name[:tag][@sha256:<64 hex>], e.g. debian:12 or ghcr.io/owner/app@sha256:...";

  // Docker's grammar (distribution/reference): a subset of DNS names, IPv4 or bracketed IPv6, optional port.
  private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern REGISTRY = Pattern.compile(
      "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern PATH_COMPONENT_PATTERN = Pattern.compile(PATH_COMPONENT);
  private static final Pattern REPOSITORY = Pattern.compile(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-f0-9]{64}");

  public ImageReference {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    if (!REGISTRY.matcher(registry).matches()) {
      throw new IllegalArgumentException("invalid registry '" + registry
          + "' (expected a host name or IP address with an optional :port, e.g. ghcr.io or localhost:5000)");
    }
    checkRepository(repository, registry + "/" + repository);
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException("invalid tag '" + tag + "' (a tag is 1 to 128 characters of"
          + " letters, digits, '_', '.' and '-', and does not start with '.' or '-')");
    }
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("image reference " + registry + "/" + repository
          + " names neither a tag nor a digest");
    }
    int nameLength = registry.length() + 1 + repository.length();
    if (nameLength > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("image name " + registry + "/" + repository + " is "
          + nameLength + " characters long (at most " + MAX_NAME_LENGTH + " allowed)");
    }
  }

  /**
   * Parses a reference as {@code docker pull} does: {@code debian}, {@code user/app:1.0},
   * {@code ghcr.io/owner/app@sha256:...}, {@code localhost:5000/ns/app:tag@sha256:...}. A missing
   * registry means Docker Hub (official images get {@code library/}); a missing tag and digest means
   * {@code :latest}.
   *
   * @throws IllegalArgumentException saying what is wrong and showing the expected form
   */
  public static ImageReference parse(String reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.isEmpty()) {
      throw bad(reference, "it is empty");
    }
    if (IDENTIFIER.matcher(reference).matches()) {
      throw bad(reference, "a 64-character hex string is an image ID, not a name");
    }
    String rest = reference;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      String digestText = rest.substring(at + 1);
      try {
        digest = Digest.parse(digestText);
      } catch (IllegalArgumentException e) {
        throw bad(reference, "bad digest: " + e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      // The last ':' after the last '/' starts a tag; earlier ones belong to a registry port.
      tag = rest.substring(colon + 1);
      if (!TAG.matcher(tag).matches()) {
        throw bad(reference, tag.isEmpty() ? "the tag after ':' is empty"
            : "invalid tag '" + tag + "' (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')");
      }
      rest = rest.substring(0, colon);
    }
    if (rest.isEmpty()) {
      throw bad(reference, "the name is empty");
    }
    String registry;
    String repository;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? null : rest.substring(0, slash);
    if (first != null && (first.contains(".") || first.contains(":") || first.equals("localhost")
        || !first.equals(first.toLowerCase(java.util.Locale.ROOT)))) {
      // Docker's rule: a first component is a registry only if it cannot be a repository
      // component (it has '.', ':' or uppercase) or is 'localhost'.
      registry = first;
      repository = rest.substring(slash + 1);
      if (registry.equals(LEGACY_DOCKER_HUB)) {
        registry = DOCKER_HUB;
      }
    } else {
      registry = DOCKER_HUB;
      repository = rest;
    }
    if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
      repository = OFFICIAL_PREFIX + repository;
    }
    if (tag == null && digest == null) {
      tag = DEFAULT_TAG;
    }
    try {
      return new ImageReference(registry, repository, tag, digest);
    } catch (IllegalArgumentException e) {
      throw bad(reference, e.getMessage());
    }
  }

  private static void checkRepository(String repository, String name) {
    if (repository.isEmpty()) {
      throw new IllegalArgumentException("the repository name is empty");
    }
    if (!repository.equals(repository.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("repository name '" + repository + "' must be lowercase");
    }
    if (REPOSITORY.matcher(repository).matches()) {
      return;
    }
    for (String component : repository.split("/", -1)) {
      if (component.isEmpty()) {
        throw new IllegalArgumentException("repository name '" + repository
            + "' has an empty path component (a leading, trailing or doubled '/')");
      }
      if (!PATH_COMPONENT_PATTERN.matcher(component).matches()) {
        throw new IllegalArgumentException("invalid repository path component '" + component
            + "' in " + name + " (use lowercase letters and digits, separated by '.', '_', '__' or"
            + " dashes, e.g. my-app or team/my_app)");
      }
    }
    throw new IllegalArgumentException("invalid repository name '" + repository + "'");
  }

  private static IllegalArgumentException bad(String reference, String why) {
    return new IllegalArgumentException(
        "invalid image reference '" + reference + "': " + why + " (" + EXPECTED_FORM + ")");
  }

  /** The host (and port) to send registry API requests to: Docker Hub's API lives elsewhere. */
  public String apiHost() {
    return DOCKER_HUB.equals(registry) ? DOCKER_HUB_API_HOST : registry;
  }

  /** {@code registry/repository}, without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  /** What to put in {@code /v2/<name>/manifests/<here>}: the digest when there is one, else the tag. */
  public String tagOrDigest() {
    return digest != null ? digest.toString() : tag;
  }

  /** True for a registry on this machine (localhost, 127.x.x.x, [::1]): plain HTTP is fine there. */
  public boolean isLoopback() {
    String host = registry;
    if (host.startsWith("[")) {
      host = host.substring(1, host.indexOf(']'));
      return host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    return host.equals("localhost") || host.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
  }

  /** This reference with {@code newTag}; a digest, if any, stays. */
  public ImageReference withTag(String newTag) {
    return new ImageReference(registry, repository, newTag, digest);
  }

  /** This reference pinned to {@code newDigest}; the tag, if any, stays for readability. */
  public ImageReference withDigest(Digest newDigest) {
    return new ImageReference(registry, repository, tag, newDigest);
  }

  /** The same registry, tag and digest in another repository. */
  public ImageReference withRepository(String newRepository) {
    return new ImageReference(registry, newRepository, tag, digest);
  }

  /** The canonical full form, e.g. {@code docker.io/library/debian:latest} or {@code ...@sha256:...}. */
  @Override
  public String toString() {
    return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
  }
}
