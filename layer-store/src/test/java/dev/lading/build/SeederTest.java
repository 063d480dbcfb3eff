package dev.lading.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Seeder} against a real registry holding a two-platform index with different layers each. */
class SeederTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64");
  private static final Platform ARM64 = Platform.of("linux", "arm64");

  private static LocalRegistry registry;
  private static List<TestBase> bases;
  private static SeedImage multi;

  @TempDir Path tmp;
  private Store store;

  @BeforeAll
  static void pushAnIndex() throws IOException {
    registry = LocalRegistry.start();
    bases = TestBase.pushIndex(RegistryClient.builder().build(), registry.hostPort(), "library/multi", "1",
        List.of(AMD64, ARM64));
    multi = SeedImage.of(ImageReference.parse(registry.hostPort() + "/library/multi:1"));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @BeforeEach
  void openStore() throws IOException {
    store = Store.open(tmp.resolve("store"));
  }

  private Seeder online() {
    return new Seeder(store, RegistryClient.builder().build(), Mirrors.none(), BuildListener.NONE);
  }

  private static long bytes(TestBase base) {
    return base.layers().stream().mapToLong(Descriptor::size).sum();
  }

  @Test
  void seedsTheDefaultPlatformThenFetchesNothingTheSecondTime() throws IOException {
    SeedResult first = online().seed(List.of(multi), Seeder.Platforms.of(List.of(), ARM64));
    assertEquals(new SeedResult(1, 2, 2, bytes(bases.get(1))), first);
    assertTrue(bases.get(1).layers().stream().allMatch(l -> store.has(l.digest())));
    assertFalse(bases.get(0).layers().stream().anyMatch(l -> store.has(l.digest())), "amd64 layers not pulled");
    assertTrue(store.ref(multi.reference().toString()).isPresent());

    assertEquals(new SeedResult(1, 2, 0, 0), online().seed(List.of(multi), Seeder.Platforms.of(List.of(), ARM64)));
  }

  @Test
  void everyPlatformTakesWhatTheStoreLacks() throws IOException {
    online().seed(List.of(multi), Seeder.Platforms.of(List.of(AMD64), ARM64));
    SeedResult all = online().seed(List.of(multi), Seeder.Platforms.everyPlatform());
    assertEquals(new SeedResult(1, 4, 2, bytes(bases.get(1))), all);
  }

  @Test
  void aDigestReferenceAllPresentNeedsNoRegistryAndTheWrittenNameBecomesARef() throws IOException {
    SeedImage pinned = new SeedImage(ImageReference.parse(registry.hostPort() + "/library/multi:single-amd64@"
        + bases.get(0).manifestDigest()), "base-as-written");
    online().seed(List.of(pinned), Seeder.Platforms.of(List.of(), AMD64));
    assertTrue(store.ref("base-as-written").isPresent());

    // Offline (no client): everything comes from the store, and it is all there.
    SeedResult offline = new Seeder(store, null, Mirrors.none(), BuildListener.NONE)
        .seed(List.of(pinned), Seeder.Platforms.of(List.of(), AMD64));
    assertEquals(new SeedResult(1, 2, 0, 0), offline);
  }

  @Test
  void aFailureNamesTheImageAndKeepsWhatWasSeededBefore() throws IOException {
    SeedImage unknown = SeedImage.of(ImageReference.parse(registry.hostPort() + "/library/multi:nope"));
    SeedException e = assertThrows(SeedException.class,
        () -> online().seed(List.of(multi, unknown), Seeder.Platforms.of(List.of(), AMD64)));
    assertEquals(unknown, e.image());
    assertEquals(new SeedResult(1, 2, 2, bytes(bases.get(0))), e.done());
    assertTrue(e.getMessage().startsWith("cannot seed " + unknown.reference() + ": "), e.getMessage());
    assertTrue(store.ref(multi.reference().toString()).isPresent());
  }
}
