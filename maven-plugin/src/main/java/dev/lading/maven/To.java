package dev.lading.maven;

import java.util.ArrayList;
import java.util.List;

/** {@code <to>}: the image to build and push, and extra tags (as in Jib). */
public class To {
  /** The target reference, e.g. {@code registry.example.com/team/app:1.0}. */
  String image;
  /** Extra tags of the same repository. */
  List<String> tags = new ArrayList<>();
  /** Credentials for the target image's registry; they come before settings.xml and docker's config. */
  Auth auth = new Auth();
  /** A docker credential helper for the target image's registry (see {@link CredHelper}). */
  CredHelper credHelper = new CredHelper();
}
