package dev.lading.maven;

import java.io.File;

/**
 * {@code <secrets><secret>}: a secret for the Dockerfile's {@code RUN --mount=type=secret,id=ID}
 * steps ({@code docker build --secret}): the bytes of {@code <file>}, or the value of the environment
 * variable {@code <env>}. Never in a layer, the image's history or the step cache key.
 */
public class Secret {
  /** The id the Dockerfile's mount names. */
  String id;
  /** The file holding it. */
  File file;
  /** The environment variable holding it (when there is no {@code <file>}). */
  String env;
}
