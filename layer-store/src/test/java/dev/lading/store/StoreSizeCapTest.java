package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.io.ByteSize;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc --max-size: least recently used images go first, recent ones and shared blobs stay. */
class StoreSizeCapTest {
  private static final Duration GRACE = Duration.ofMinutes(10);

  @TempDir Path dir;

  /** An image whose layer holds ~{@code kib} KiB of incompressible text. */
  private static Descriptor image(Store store, int seed, int kib) throws IOException {
    byte[] random = new byte[kib * 512];
    new Random(seed).nextBytes(random);
    return TestImages.put(store, HexFormat.of().formatHex(random));
  }

  private Path refFile(String name) {
    return dir.resolve(".lading/refs").resolve(RefStore.fileName(name));
  }

  /** Ages every file of the store, then gives each name its own last use, {@code names[0]} oldest. */
  private void age(String... names) throws IOException {
    FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(3)));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(f, old);
      }
    }
    for (int i = 0; i < names.length; i++) {
      Files.setLastModifiedTime(refFile(names[i]),
          FileTime.from(Instant.now().minus(Duration.ofHours(48 - i))));
    }
  }

  private long sizeOf(Store store, Descriptor image) throws IOException {
    for (StoreUsage.Image i : store.usage().images()) {
      if (i.image().target().digest().equals(image.digest())) {
        return i.bytes();
      }
    }
    throw new AssertionError("not listed: " + image);
  }

  @Test
  void evictsTheLeastRecentlyUsedImagesUntilTheStoreFits() throws IOException {
    Store store = Store.open(dir);
    List<Descriptor> images = new ArrayList<>();
    for (String name : List.of("a", "b", "c", "d")) {
      Descriptor image = image(store, name.charAt(0), 64);
      images.add(image);
      store.setRef(name, image);
    }
    age("a", "b", "c", "d");
    assertEquals(List.of("a", "b", "c", "d"),
        store.usage().images().stream().map(i -> i.image().name()).toList(), "oldest use first");
    assertTrue(store.ref("b").isPresent(), "reading a ref is a use");

    long total = store.usage().totalBytes();
    // Room for all but two images: a (oldest) and c go; b was just used, so it is the newest.
    long cap = total - sizeOf(store, images.get(0)) - sizeOf(store, images.get(2)) + 1024;
    GcReport report = store.gc(GRACE, cap);

    assertEquals(List.of("a", "c"), report.evicted());
    assertFalse(report.overCap());
    assertTrue(report.sizeAfter() <= cap, report.sizeAfter() + " > " + cap);
    assertEquals(6, report.removed().size(), "manifest, config and layer of each evicted image");
    assertEquals(List.of("b", "d"), store.refs().stream().map(StoreRef::name).toList());
    assertFalse(store.has(images.get(0).digest()));
    assertTrue(store.has(TestImages.layer(store, images.get(1))));
    FsckReport fsck = store.fsck();
    assertTrue(fsck.clean(), "nothing the remaining images need is gone: " + fsck.missing());
    assertFalse(Files.readString(dir.resolve("index.json")).contains("\"a\""), "index.json follows");
  }

  @Test
  void aBlobSharedWithAKeptImageStays() throws IOException {
    Store store = Store.open(dir);
    Descriptor shared = image(store, 1, 64);
    store.setRef("old", shared);
    store.setRef("new", shared);
    Descriptor other = image(store, 2, 64);
    store.setRef("other", other);
    age("old", "other", "new");

    GcReport report = store.gc(GRACE, store.usage().totalBytes() - 1);

    assertEquals(List.of("old", "other"), report.evicted(), "'old' frees nothing, so 'other' goes too");
    assertTrue(store.has(TestImages.layer(store, shared)));
    assertFalse(store.has(other.digest()));
  }

  @Test
  void imagesUsedWithinTheGraceAreNeverEvicted() throws IOException {
    Store store = Store.open(dir);
    store.setRef("old", image(store, 1, 32));
    store.setRef("fresh", image(store, 2, 32));
    age("old");
    Files.setLastModifiedTime(refFile("fresh"), FileTime.from(Instant.now()));

    GcReport report = store.gc(GRACE, 0);

    assertEquals(List.of("old"), report.evicted());
    assertTrue(report.overCap(), "the fresh image stays even though the store is over the cap");
    assertTrue(store.ref("fresh").isPresent());
    assertTrue(store.fsck().clean());
  }

  @Test
  void repositoryTagsAreEvictedLikeRefs() throws IOException {
    Store store = Store.open(dir);
    Descriptor tagged = image(store, 1, 64);
    store.setTag("library/old", "1", tagged);
    store.setRef("kept", image(store, 2, 64));
    age("kept");
    Files.setLastModifiedTime(refFile("kept"), FileTime.from(Instant.now().minus(Duration.ofHours(1))));

    GcReport report = store.gc(GRACE, store.usage().totalBytes() - 1);

    assertEquals(List.of("library/old:1"), report.evicted());
    assertTrue(store.tag("library/old", "1").isEmpty());
    assertFalse(store.has(tagged.digest()));
    assertTrue(store.ref("kept").isPresent());
  }

  @Test
  void partialDownloadsGoAfterTheGraceAndFirstUnderTheCap() throws IOException {
    Store store = Store.open(dir);
    store.setRef("image", image(store, 1, 16));
    Digest wanted = Digest.of(new byte[] {1, 2, 3});
    try (BlobWriter partial = store.resumableWriter(wanted)) {
      partial.write(new byte[4096]);
    }
    Path file = dir.resolve(".lading/ingest/" + wanted.hex() + ".partial");
    assertTrue(Files.exists(file), "a closed download keeps its partial to resume");
    StoreUsage usage = store.usage();
    assertEquals(1, usage.partials());
    assertEquals(4096, usage.partialBytes());

    GcReport young = store.gc(GRACE);
    assertEquals(0, young.partialsRemoved(), "a young partial is kept for a resume");
    assertTrue(Files.exists(file));

    // Under the cap it goes first, young or not, and before any image.
    GcReport capped = store.gc(GRACE, store.usage().totalBytes() - 4000);
    assertEquals(1, capped.partialsRemoved());
    assertEquals(4096, capped.partialBytesRemoved());
    assertEquals(List.of(), capped.evicted());
    assertFalse(Files.exists(file));

    try (BlobWriter partial = store.resumableWriter(wanted)) {
      partial.write(new byte[100]);
    }
    assertEquals(1, store.gc(Duration.ZERO).partialsRemoved(), "--grace 0s reclaims every partial");
    assertEquals(0, store.usage().partialBytes());
  }

  @Test
  void usageCountsImagesUnreferencedBlobsAndTheRest() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = image(store, 1, 32);
    store.setRef("one", image);
    Digest loose = store.put(new byte[2048]);
    Files.createDirectories(store.workAreas().cacheDirectory("layers"));
    Files.write(store.workAreas().cacheDirectory("layers").resolve("entry.json"), new byte[1000]);

    StoreUsage usage = store.usage();

    assertEquals(1, usage.images().size());
    long imageBytes = image.size() + store.size(TestImages.layer(store, image))
        + usage.blobBytes() - image.size() - store.size(TestImages.layer(store, image)) - 2048;
    assertEquals(imageBytes, usage.images().get(0).bytes());
    assertEquals(4, usage.blobs());
    assertEquals(2048, usage.unreferencedBytes());
    assertTrue(store.has(loose));
    assertTrue(usage.otherBytes() >= 1000, "caches and metadata count in the total");
    assertEquals(usage.blobBytes() + usage.otherBytes(), usage.totalBytes());
  }

  @Test
  void aCappedGcWhileBuildsWriteLosesNothingTheyNeed() throws Exception {
    Store store = Store.open(dir);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int writer = w;
        work.add(pool.submit(() -> {
          for (int i = 0; i < 15; i++) {
            // A build: writes its blobs and sets its ref under one lease, then reads the image back.
            try (Lease lease = store.lease()) {
              Descriptor image = image(store, writer * 100 + i, 16);
              store.setRef("app-" + writer + "-" + i, image);
            }
            Descriptor image = store.ref("app-" + writer + "-" + i).orElseThrow();
            store.bytes(TestImages.layer(store, image));
          }
          return null;
        }));
      }
      work.add(pool.submit(() -> {
        for (int i = 0; i < 20; i++) {
          store.gc(Duration.ZERO, 64 * 1024);
        }
        return null;
      }));
      for (Future<?> f : work) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(store.fsck().clean());
  }

  @Test
  void timesInTheFutureCountAsOld() throws IOException {
    // A cache restored with other clocks (tar --mtime, a machine whose clock ran ahead).
    Store store = Store.open(dir);
    store.setRef("restored", image(store, 1, 16));
    store.setRef("used", image(store, 2, 16));
    Digest loose = store.put(new byte[512]);
    FileTime future = FileTime.from(Instant.now().plus(Duration.ofDays(365)));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(f, future);
      }
    }
    assertTrue(store.ref("used").isPresent(), "a use moves a future time back to now");

    // Over by more than the loose blob: an image has to go too.
    GcReport report = store.gc(GRACE, store.usage().totalBytes() - 512 - 4096);

    assertTrue(report.removed().contains(loose), "an unreferenced blob from the future is not young");
    assertEquals(List.of("restored"), report.evicted(), "evicted first, not never");
    assertTrue(store.ref("used").isPresent());
  }

  @Test
  void sizesParseAsPeopleWriteThem() {
    assertEquals(5L << 30, ByteSize.parse("5g"));
    assertEquals(1536L << 20, ByteSize.parse("1.5GiB"));
    assertEquals(500L << 20, ByteSize.parse("500m"));
    assertEquals(1234, ByteSize.parse("1234"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("lots"));
    assertTrue(e.getMessage().contains("5g"), e.getMessage());
  }
}
