package dev.lading.maven;

import java.io.File;

/**
 * {@code <outputPaths>}: where the goals write what they made (Jib's names). Each defaults to the
 * build directory: {@code image.digest}, {@code image.id}, {@code image.json}, {@code image.tar}.
 */
public class OutputPaths {
  /** The image's manifest digest ({@code sha256:...}), written by image:build. */
  File digest;
  /** The image's config digest, written by image:build. */
  File imageId;
  /** A JSON summary (image, imageId, imageDigest, tags, imagePushed), written by image:build and image:push. */
  File imageJson;
  /** The archive image:export writes ({@code -Dimage.export.file} wins). */
  File tar;
}
