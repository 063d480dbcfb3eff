package dev.lading.maven;

import java.util.ArrayList;
import java.util.List;

/** {@code <from>}: the base image and the platforms to build for (as in Jib). */
public class From {
  /** The base image reference, e.g. {@code eclipse-temurin:17-jre}. */
  String image;
  /** The platforms, as {@code <platform><os>linux</os><architecture>arm64</architecture></platform>}. */
  List<PlatformParameter> platforms = new ArrayList<>();
  /** Credentials for the base image's registry; they come before settings.xml and docker's config. */
  Auth auth = new Auth();
  /** A docker credential helper for the base image's registry (see {@link CredHelper}). */
  CredHelper credHelper = new CredHelper();
}
