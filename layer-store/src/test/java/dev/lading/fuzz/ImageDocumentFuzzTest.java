package dev.lading.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lading.model.ImageConfig;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the readers of the JSON documents a registry or an image archive hands us: manifests and
 * indexes ({@link ManifestDocument#parse}) and image configs. The only accepted failure is an
 * {@link InvalidImageException}. A document that parses must also survive what a build does with it
 * (format, platform selection, conversion) and serialise to bytes that read back to the same bytes,
 * since digests are taken of them.
 *
 * <p>Seeds: the real documents of {@code src/test/resources/dev/lading/model/} (Docker, OCI, buildx
 * output) in {@code ImageDocumentFuzzTestInputs/<method>/}.
 */
class ImageDocumentFuzzTest {
  /** The Content-Type headers the parser is called with: none, and each family's manifest and index. */
  private static final List<String> ANNOUNCED = Arrays.asList(null, MediaTypes.OCI_MANIFEST,
      MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);

  @FuzzTest
  void manifestDocument(byte[] json) {
    for (String announced : ANNOUNCED) {
      ManifestDocument document;
      try {
        document = ManifestDocument.parse(json, announced);
      } catch (InvalidImageException expected) {
        continue;
      }
      document.format();
      document.contentType();
      document.annotations();
      if (document instanceof ImageManifest manifest) {
        use(manifest);
      } else if (document instanceof ImageIndex index) {
        use(index);
      }
      byte[] written = Json.write(document);
      byte[] rewritten = Json.write(ManifestDocument.parse(written, document.contentType()));
      assertArrayEquals(written, rewritten, "a parsed document does not serialise stably");
    }
  }

  @FuzzTest
  void imageConfig(byte[] json) {
    ImageConfig config;
    try {
      config = Json.read(json, ImageConfig.class, "image config");
    } catch (InvalidImageException expected) {
      return;
    }
    config.platform().toString();
    config.diffIds();
    config.createdInstant();
    config.configOrEmpty().envValue("PATH");
    try {
      config.requireConsistentHistory();
    } catch (InvalidImageException expected) {
      // a named error
    }
    byte[] written = Json.write(config);
    byte[] rewritten = Json.write(Json.read(written, ImageConfig.class, "image config"));
    assertArrayEquals(written, rewritten, "a parsed config does not serialise stably");
  }

  private static void use(ImageManifest manifest) {
    for (ImageFormat format : ImageFormat.values()) {
      try {
        manifest.convertTo(format).requireSingleFamily();
      } catch (InvalidImageException expected) {
        // a named error: some manifests cannot be expressed in the other family
      }
    }
  }

  private static void use(ImageIndex index) {
    index.availablePlatforms();
    index.select(Platform.of("linux", "amd64"));
    index.select(new Platform("arm64", "linux", null, null, "v8"));
    try {
      index.requireSingleFamily();
    } catch (InvalidImageException expected) {
      // a named error
    }
  }
}
