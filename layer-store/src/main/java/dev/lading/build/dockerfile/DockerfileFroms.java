package dev.lading.build.dockerfile;

import dev.lading.dockerfile.BuildArgs;
import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.DockerfileException;
import dev.lading.dockerfile.Expander;
import dev.lading.dockerfile.Stage;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry images a Dockerfile's FROM lines name, read before the build that pulls them (for
 * seeding a store, and for knowing which registries a build will reach).
 */
public final class DockerfileFroms {
  /** Image locations a FROM may name that are not in a registry. */
  private static final List<String> LOCAL_TRANSPORTS = List.of("oci:", "oci-archive:", "docker-archive:", "store:");

  private DockerfileFroms() {}

  /**
   * Each registry image of {@code file}'s FROM lines, expanded with {@code buildArgs} as the build
   * expands them, with the text it was written as (the build looks it up in the store by that text).
   * Earlier stages, {@code scratch} and non-registry locations are left out.
   *
   * @throws IllegalArgumentException when the Dockerfile cannot be parsed or a FROM expanded
   */
  public static Map<ImageReference, String> of(Path file, Map<String, String> buildArgs) throws IOException {
    Map<ImageReference, String> result = new LinkedHashMap<>();
    try {
      Dockerfile dockerfile = Dockerfile.parse(Dockerfile.read(file));
      BuildArgs args = BuildArgs.of(buildArgs == null ? Map.of() : buildArgs)
          .withTargetPlatform(Platform.current().toString()).withBuildPlatform(Platform.current().toString());
      for (Stage stage : dockerfile.stages()) {
        String image = Expander.expandFrom(dockerfile, args, stage).image();
        if (image.equalsIgnoreCase("scratch") || dockerfile.baseStage(stage.index(), image).isPresent()
            || LOCAL_TRANSPORTS.stream().anyMatch(image::startsWith)) {
          continue;
        }
        String text = image.startsWith("docker://") ? image.substring("docker://".length()) : image;
        result.put(ImageReference.parse(text), text);
      }
    } catch (DockerfileException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    return result;
  }
}
