package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.MediaTypes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ReferrersCache}: the upstream's last referrers lists, in files of the store. */
class ReferrersCacheTest {
  @TempDir Path store;

  private static final Digest SUBJECT = Digest.ofUtf8("subject");
  private static final Descriptor SIG = new Descriptor(MediaTypes.OCI_MANIFEST,
      Digest.ofUtf8("sig"), 10, null, java.util.Map.of("note", "x"), null, "application/sig");

  @Test
  void keepsOneListPerRepositorySubjectAndFilterAcrossInstances() throws Exception {
    new ReferrersCache(store).put("local/app", SUBJECT, null, List.of(SIG));
    new ReferrersCache(store).put("local/app", SUBJECT, "application/sbom", List.of());

    ReferrersCache reopened = new ReferrersCache(store); // as after a restart
    assertEquals(Optional.of(List.of(SIG)), reopened.get("local/app", SUBJECT, null));
    assertEquals(Optional.of(List.of()), reopened.get("local/app", SUBJECT, "application/sbom"),
        "an empty list is an answer too");
    assertEquals(Optional.empty(), reopened.get("local/app", SUBJECT, "application/sig"));
    assertEquals(Optional.empty(), reopened.get("other/app", SUBJECT, null));
  }

  @Test
  void anUnreadableFileIsNoAnswer() throws Exception {
    ReferrersCache cache = new ReferrersCache(store);
    cache.put("local/app", SUBJECT, null, List.of(SIG));
    try (Stream<Path> files = Files.list(store.resolve(".lading/mirror/referrers"))) {
      for (Path f : files.toList()) {
        Files.writeString(f, "{not json");
      }
    }
    assertEquals(Optional.empty(), cache.get("local/app", SUBJECT, null));
  }
}
