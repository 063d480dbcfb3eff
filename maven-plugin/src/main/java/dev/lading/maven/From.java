package dev.lading.maven;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/** {@code <from>}: the base image and the platforms to build for (as in Jib). */
public class From {
  /** The base image reference, e.g. {@code eclipse-temurin:17-jre}. */
  String image;
  /**
   * A Dockerfile to build as the base instead of pulling {@link #image} (its RUN steps run
   * unprivileged); the Java layers go on top of the image it makes. {@code <buildArgs>},
   * {@code <dockerfileTarget>} and {@code <executor>} apply to it.
   */
  File dockerfile;
  /** That Dockerfile's build context, where COPY and ADD take their files; default the project directory. */
  File contextDirectory;
  /** The platforms, as {@code <platform><os>linux</os><architecture>arm64</architecture></platform>}. */
  List<PlatformParameter> platforms = new ArrayList<>();
  /** Credentials for the base image's registry; they come before settings.xml and docker's config. */
  Auth auth = new Auth();
  /** A docker credential helper for the base image's registry (see {@link CredHelper}). */
  CredHelper credHelper = new CredHelper();
}
