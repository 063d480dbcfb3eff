package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private List<Path> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private List<Path> blobFiles() throws IOException {
    return files(dir.resolve("blobs/sha256"));
  }

  private List<Path> tempFiles() throws IOException {
    return Files.isDirectory(dir.resolve(".lading/tmp")) ? files(dir.resolve(".lading/tmp")) : List.of();
  }

  @Test
  void openCreatesAnEmptyOciLayout() throws IOException {
    Store.open(dir);
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(dir.resolve("oci-layout")));
    JsonNode index = Json.mapper().readTree(dir.resolve("index.json").toFile());
    assertEquals(2, index.get("schemaVersion").asInt());
    assertEquals(MediaTypes.OCI_INDEX, index.get("mediaType").asText());
    assertTrue(index.get("manifests").isArray());
    assertEquals(0, index.get("manifests").size());
    assertTrue(Files.isDirectory(dir.resolve("blobs/sha256")));
    // Opening again changes nothing.
    byte[] before = Files.readAllBytes(dir.resolve("index.json"));
    Store.open(dir);
    assertArrayEquals(before, Files.readAllBytes(dir.resolve("index.json")));
  }

  @Test
  void putStoresContentUnderItsDigest() throws IOException {
    Store store = Store.open(dir);
    byte[] content = utf8("hello blob");
    Descriptor d = store.put("application/octet-stream", content);
    assertEquals(Digest.of(content), d.digest());
    assertEquals(content.length, d.size());
    assertTrue(store.has(d.digest()));
    assertEquals(content.length, store.size(d.digest()));
    assertEquals(dir.resolve("blobs/sha256/" + d.digest().hex()), store.blobPath(d.digest()));
    try (InputStream in = store.open(d.digest())) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(d.digest(), store.put(content), "storing the same bytes again is a no-op");
    assertEquals(1, blobFiles().size());
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void missingBlobsAreReportedByDigest() throws IOException {
    Store store = Store.open(dir);
    Digest absent = Digest.of(utf8("never stored"));
    assertFalse(store.has(absent));
    NoSuchBlobException e = assertThrows(NoSuchBlobException.class, () -> store.open(absent));
    assertEquals(absent, e.digest());
    assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    assertThrows(NoSuchBlobException.class, () -> store.size(absent));
    assertThrows(NoSuchBlobException.class, () -> store.blobPath(absent));
  }

  @Test
  void aWriterClosedWithoutCommitLeavesNothing() throws IOException {
    Store store = Store.open(dir);
    byte[] content = utf8("half of something");
    try (BlobWriter writer = store.writer(Digest.of(content))) {
      writer.write(content, 0, 5);
      writer.flush();
      assertEquals(5, writer.position());
      assertEquals(1, tempFiles().size(), "bytes go to a private temp file");
      assertEquals(List.of(), blobFiles());
    }
    assertFalse(store.has(Digest.of(content)));
    assertEquals(List.of(), blobFiles());
    assertEquals(List.of(), tempFiles());
  }

  /** Blobs larger than the early-writeback interval, with flushes running while writers end. */
  @Test
  void largeBlobsCommitAndAbortCleanlyWhileFlushesRunBehindThem() throws IOException {
    Store store = Store.open(dir);
    byte[] content = new byte[(int) (3 * EarlyWriteback.INTERVAL + 12345)];
    new Random(7).nextBytes(content);
    Digest digest = Digest.of(content);
    for (int round = 0; round < 5; round++) {
      // Aborted right after a flush was queued: the flush meets a closed file and is ignored.
      try (BlobWriter writer = store.writer(digest)) {
        writer.write(content, 0, (int) EarlyWriteback.INTERVAL + 1);
      }
      BlobWriter discarded = store.resumableWriter(digest);
      discarded.write(content, 0, (int) EarlyWriteback.INTERVAL * 2);
      discarded.discard();
    }
    assertEquals(List.of(), tempFiles());
    assertFalse(store.has(digest));
    try (BlobWriter writer = store.writer(digest)) {
      for (int off = 0; off < content.length; off += 1 << 20) {
        writer.write(content, off, Math.min(1 << 20, content.length - off));
      }
      assertEquals(digest, writer.commit());
    }
    assertArrayEquals(content, Files.readAllBytes(store.blobPath(digest)));
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void aTempDirectoryIsFoundAgainByItsNameUntilItIsGone() throws IOException {
    Store store = Store.open(dir);
    Path session = store.workAreas().newTempDirectory("upload-");
    String name = session.getFileName().toString();
    assertEquals(session, store.workAreas().tempDirectory(name).orElseThrow());
    Files.delete(session);
    assertTrue(store.workAreas().tempDirectory(name).isEmpty());
    for (String bad : List.of("..", ".hidden", "a/b", "", "x".repeat(200))) {
      assertThrows(IllegalArgumentException.class, () -> store.workAreas().tempDirectory(bad), bad);
    }
  }

  @Test
  void staleTempDirectoriesAreRemovedAndFreshOnesKept() throws IOException {
    Store store = Store.open(dir);
    Path stale = store.workAreas().newTempDirectory("upload-");
    Files.writeString(stale.resolve("data"), "abandoned");
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    Path fresh = store.workAreas().newTempDirectory("upload-");
    assertEquals(List.of(stale), store.removeStaleTempFiles(Duration.ofHours(1)));
    assertFalse(Files.exists(stale));
    assertTrue(Files.isDirectory(fresh));
  }

  @Test
  void aTempFileIsAdoptedAsABlobOnlyWithItsDigest() throws IOException {
    Store store = Store.open(dir);
    Path session = store.workAreas().newTempDirectory("upload-");
    Path good = Files.write(session.resolve("good"), utf8("uploaded in chunks"));
    Files.setLastModifiedTime(good, FileTime.from(Instant.now().minus(Duration.ofHours(3))));
    Digest digest = Digest.of(utf8("uploaded in chunks"));
    assertEquals(digest, store.adopt(good, digest, MediaTypes.OCI_LAYER_GZIP).digest());
    assertArrayEquals(utf8("uploaded in chunks"), store.bytes(digest));
    assertFalse(Files.exists(good), "renamed, not copied");
    assertTrue(Files.getLastModifiedTime(store.blobPath(digest)).toInstant()
        .isAfter(Instant.now().minus(Duration.ofMinutes(1))), "young for gc's grace");

    Path bad = Files.write(session.resolve("bad"), utf8("not what was promised"));
    Digest promised = Digest.of(utf8("promised"));
    assertThrows(DigestMismatchException.class, () -> store.adopt(bad, promised, MediaTypes.OCI_LAYER_GZIP));
    assertFalse(store.has(promised));
    assertFalse(Files.exists(bad));

    Path outside = Files.write(dir.resolve("outside-the-temp-area"), utf8("x"));
    assertThrows(IllegalArgumentException.class,
        () -> store.adopt(outside, Digest.of(utf8("x")), MediaTypes.OCI_LAYER_GZIP));
    assertTrue(Files.exists(outside), "left alone");
  }

  @Test
  void aWrongDigestLeavesNothing() throws IOException {
    Store store = Store.open(dir);
    Digest promised = Digest.of(utf8("promised"));
    BlobWriter writer = store.writer(promised);
    writer.write(utf8("delivered"));
    DigestMismatchException e = assertThrows(DigestMismatchException.class, writer::commit);
    assertEquals(promised, e.expected());
    assertEquals(Digest.of(utf8("delivered")), e.actual());
    writer.close();
    assertEquals(List.of(), blobFiles());
    assertEquals(List.of(), tempFiles());
    assertThrows(IllegalStateException.class, () -> writer.write(1));
  }

  @Test
  void importFileStreamsAFile() throws IOException {
    Store store = Store.open(dir);
    byte[] content = new byte[300_000];
    new Random(7).nextBytes(content);
    Path file = Files.write(Files.createTempDirectory(dir.getParent(), "src").resolve("f"), content);
    Descriptor d = store.importFile(file, MediaTypes.OCI_LAYER_GZIP);
    assertEquals(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(content), content.length), d);
    assertArrayEquals(content, store.bytes(d.digest()));
  }

  @Test
  void aResumableWriterContinuesAfterAPartialWrite() throws IOException {
    Store store = Store.open(dir);
    byte[] content = new byte[1_000_000];
    new Random(1).nextBytes(content);
    Digest digest = Digest.of(content);
    try (BlobWriter first = store.resumableWriter(digest)) {
      assertEquals(0, first.position());
      first.write(content, 0, 400_000);
    } // aborted: the partial stays
    assertFalse(store.has(digest));
    assertEquals(400_000, Files.size(dir.resolve(".lading/ingest/" + digest.hex() + ".partial")));

    try (BlobWriter second = store.resumableWriter(digest)) {
      assertEquals(400_000, second.position());
      assertFalse(second.alreadyStored());
      second.write(content, (int) second.position(), content.length - (int) second.position());
      assertEquals(digest, second.commit());
    }
    assertArrayEquals(content, store.bytes(digest));
    assertFalse(Files.exists(dir.resolve(".lading/ingest/" + digest.hex() + ".partial")));

    try (BlobWriter third = store.resumableWriter(digest)) {
      assertTrue(third.alreadyStored());
      assertEquals(content.length, third.position());
      assertThrows(IllegalStateException.class, () -> third.write(0));
      assertEquals(digest, third.commit());
    }
  }

  @Test
  void aCorruptPartialIsDiscardedAtCommit() throws IOException {
    Store store = Store.open(dir);
    byte[] content = utf8("the real content of the blob");
    Digest digest = Digest.of(content);
    try (BlobWriter w = store.resumableWriter(digest)) {
      w.write(utf8("garbage"));
    }
    try (BlobWriter w = store.resumableWriter(digest)) {
      w.write(content, (int) w.position(), content.length - (int) w.position());
      assertThrows(DigestMismatchException.class, w::commit);
    }
    assertFalse(store.has(digest));
    try (BlobWriter w = store.resumableWriter(digest)) {
      assertEquals(0, w.position(), "a failed partial starts over");
      w.write(content);
      assertEquals(digest, w.commit());
    }
  }

  @Test
  void openHeldReadsWhatAResumableWriterHoldsAndDiscardStartsOver() throws IOException {
    Store store = Store.open(dir);
    byte[] content = new byte[300_000];
    new Random(2).nextBytes(content);
    Digest digest = Digest.of(content);
    try (BlobWriter first = store.resumableWriter(digest)) {
      first.write(content, 0, 100_000);
    }
    try (BlobWriter second = store.resumableWriter(digest)) {
      second.write(content, 100_000, 50_000); // still buffered: openHeld must see it too
      byte[] held;
      try (InputStream in = second.openHeld()) {
        held = in.readAllBytes();
      }
      assertArrayEquals(java.util.Arrays.copyOf(content, 150_000), held);
      second.discard();
      assertThrows(IllegalStateException.class, () -> second.write(1));
    }
    try (BlobWriter third = store.resumableWriter(digest)) {
      assertEquals(0, third.position(), "a discarded partial is gone");
      try (InputStream in = third.openHeld()) {
        assertEquals(0, in.readAllBytes().length);
      }
      third.write(content);
      assertEquals(digest, third.commit());
    }
    try (BlobWriter done = store.resumableWriter(digest); InputStream in = done.openHeld()) {
      assertTrue(done.alreadyStored());
      assertArrayEquals(content, in.readAllBytes());
      done.commit();
    }
  }

  @Test
  void originsAreRecordedOnceEachAndSurviveReopening() throws IOException {
    Store store = Store.open(dir);
    Digest blob = Digest.of(utf8("a base layer"));
    assertEquals(List.of(), store.origins(blob));
    BlobOrigin base = BlobOrigin.parse("127.0.0.1:5000/library/base");
    BlobOrigin mirror = new BlobOrigin("mirror.example:443", "library/base");
    store.addOrigin(blob, base);
    store.addOrigin(blob, mirror);
    store.addOrigin(blob, base);
    assertEquals(List.of(base, mirror), Store.open(dir).origins(blob));
    assertEquals("127.0.0.1:5000", base.registry());
    assertEquals("library/base", base.repository());
    assertThrows(IllegalArgumentException.class, () -> BlobOrigin.parse("no-repository"));
    assertThrows(IllegalArgumentException.class, () -> new BlobOrigin("host", "two words"));
  }

  @Test
  void concurrentOriginRecordsAreNotLost() throws Exception {
    Store one = Store.open(dir);
    Store two = Store.open(dir);
    Digest blob = Digest.of(utf8("shared"));
    List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Store s = i % 2 == 0 ? one : two;
      BlobOrigin origin = new BlobOrigin("registry-" + i + ".example", "repo");
      all.add(CompletableFuture.runAsync(() -> {
        try {
          s.addOrigin(blob, origin);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertEquals(16, one.origins(blob).size());
  }

  @Test
  void fsckCountsAbsentBlobsWithOriginsAsLazyAndGcKeepsTheirRecordsWhileNeeded() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "lazy base");
    Digest layer = TestImages.layer(store, image);
    store.setRef("app", image);
    Files.delete(store.blobPath(layer)); // as a build leaves a base layer it never downloaded
    BlobOrigin origin = BlobOrigin.parse("registry.example/library/base");

    FsckReport withoutOrigin = store.fsck();
    assertFalse(withoutOrigin.clean());
    assertEquals(List.of(new FsckReport.Missing("app", layer, "missing")), withoutOrigin.missing());

    store.addOrigin(layer, origin);
    FsckReport report = store.fsck();
    assertTrue(report.clean(), report.toString());
    assertEquals(List.of(new FsckReport.Lazy("app", layer, List.of(origin))), report.lazy());

    Digest unneeded = Digest.of(utf8("a blob no ref needs"));
    store.addOrigin(unneeded, origin);
    Files.setLastModifiedTime(dir.resolve(".lading/origins/" + unneeded.hex()),
        FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    GcReport gc = store.gc(Duration.ofMinutes(10));
    assertEquals(1, gc.originsRemoved());
    assertEquals(List.of(origin), store.origins(layer), "the record of a blob a ref needs stays");
    assertEquals(List.of(), store.origins(unneeded));

    store.deleteRef("app");
    assertEquals(1, store.gc(Duration.ZERO).originsRemoved());
    assertEquals(List.of(), store.origins(layer));
  }

  @Test
  void twoResumableWritersOfOneDigestTakeTurns() throws Exception {
    Store store = Store.open(dir);
    byte[] content = new byte[200_000];
    new Random(3).nextBytes(content);
    Digest digest = Digest.of(content);
    BlobWriter first = store.resumableWriter(digest);
    first.write(content, 0, 1000);
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
      started.countDown();
      try (BlobWriter w = store.resumableWriter(digest)) {
        boolean stored = w.alreadyStored();
        if (!stored) {
          w.write(content, (int) w.position(), content.length - (int) w.position());
        }
        assertEquals(digest, w.commit());
        return stored;
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    started.await();
    Thread.sleep(200);
    assertFalse(second.isDone(), "the second writer waits for the first");
    first.write(content, 1000, content.length - 1000);
    assertEquals(digest, first.commit());
    assertTrue(second.get(10, TimeUnit.SECONDS), "the second finds the blob complete");
    assertArrayEquals(content, store.bytes(digest));
  }

  @Test
  void refsRoundTripAndAppearInIndexJson() throws IOException {
    Store store = Store.open(dir);
    Descriptor app = TestImages.put(store, "app");
    Descriptor base = TestImages.put(store, "base");
    store.setRef("127.0.0.1:5000/demo/app:1.0", app);
    store.setRef("docker.io/library/base:latest", base);
    store.setRef("plain", base);

    assertEquals(app, store.ref("127.0.0.1:5000/demo/app:1.0").orElseThrow());
    assertEquals(List.of("127.0.0.1:5000/demo/app:1.0", "docker.io/library/base:latest", "plain"),
        store.refs().stream().map(StoreRef::name).toList());

    JsonNode index = Json.mapper().readTree(dir.resolve("index.json").toFile());
    assertEquals(3, index.get("manifests").size());
    JsonNode first = index.get("manifests").get(0);
    assertEquals(MediaTypes.OCI_MANIFEST, first.get("mediaType").asText());
    assertEquals(app.digest().toString(), first.get("digest").asText());
    assertEquals(app.size(), first.get("size").asLong());
    assertEquals("127.0.0.1:5000/demo/app:1.0",
        first.get("annotations").get(Descriptor.REF_NAME).asText());

    store.setRef("plain", app); // replace
    assertEquals(app, store.ref("plain").orElseThrow());
    assertTrue(store.deleteRef("docker.io/library/base:latest"));
    assertFalse(store.deleteRef("docker.io/library/base:latest"));
    assertEquals(java.util.Optional.empty(), store.ref("docker.io/library/base:latest"));
    index = Json.mapper().readTree(dir.resolve("index.json").toFile());
    assertEquals(2, index.get("manifests").size());
    assertEquals("plain", index.get("manifests").get(1).get("annotations").get(Descriptor.REF_NAME)
        .asText());
    assertEquals(app.digest().toString(), index.get("manifests").get(1).get("digest").asText());
  }

  @Test
  void oddAndLongRefNamesGetSafeFileNames() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "x");
    String longName = "registry.example.com/" + "very-long-path/".repeat(30) + "app:" + "1".repeat(100);
    List<String> names = List.of("..", "a/../../escape", "ünïcödé:tag", longName, "x@sha256:abc");
    store.setRefs(names.stream().collect(java.util.stream.Collectors.toMap(n -> n, n -> image)));
    for (String name : names) {
      assertEquals(image, store.ref(name).orElseThrow(), name);
    }
    assertEquals(names.stream().sorted().toList(), store.refs().stream().map(StoreRef::name).toList());
    try (Stream<Path> refFiles = Files.list(dir.resolve(".lading/refs"))) {
      assertEquals(names.size(), refFiles.count(), "every ref file stays inside the refs directory");
    }
  }

  @Test
  void settingARefToWhatItIsRewritesNothingButStillRepairsAStaleIndex() throws Exception {
    Store store = Store.open(dir);
    Descriptor app = TestImages.put(store, "app");
    store.setRef("demo/app:1", app);
    Path index = dir.resolve("index.json");
    Object inode = Files.getAttribute(index, "unix:ino");

    store.setRef("demo/app:1", app);
    assertEquals(inode, Files.getAttribute(index, "unix:ino"), "index.json was not rewritten");

    // As after a crash between the ref file and index.json: the same setRef repairs the index.
    Files.writeString(index, "{\"schemaVersion\":2,\"manifests\":[]}");
    store.setRef("demo/app:1", app);
    JsonNode manifests = Json.mapper().readTree(index.toFile()).get("manifests");
    assertEquals(1, manifests.size());
    assertEquals(app.digest().toString(), manifests.get(0).get("digest").asText());
  }

  @Test
  void refsOnlyNameStoredManifests() throws IOException {
    Store store = Store.open(dir);
    Descriptor layer = store.put(MediaTypes.OCI_LAYER_GZIP, utf8("layer"));
    assertThrows(IllegalArgumentException.class, () -> store.setRef("x", layer));
    Descriptor absent = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.of(utf8("nope")), 4);
    assertThrows(NoSuchBlobException.class, () -> store.setRef("x", absent));
    assertThrows(IllegalArgumentException.class, () -> store.setRef("bad\nname", layer));
    assertEquals(List.of(), store.refs());
  }

  @Test
  void anExistingLayoutsNamedImagesBecomeRefs() throws IOException {
    Store first = Store.open(dir);
    Descriptor image = TestImages.put(first, "adopted");
    // A layout written by another tool: index.json names an image, but there are no ref files.
    String index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"digest\":\"" + image.digest() + "\",\"size\":" + image.size()
        + ",\"annotations\":{\"" + Descriptor.REF_NAME + "\":\"skopeo-made\"}}]}";
    Files.writeString(dir.resolve("index.json"), index);
    dev.lading.testing.TestFiles.deleteRecursively(dir.resolve(".lading"));
    Store store = Store.open(dir);
    assertEquals(image, store.ref("skopeo-made").orElseThrow());
  }

  @Test
  void aForeignLayoutWithABrokenIndexIsRefusedClearly() throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("index.json"), "{\"manifests\":[{\"digest\":\"md5:x\"}]}");
    IOException e = assertThrows(IOException.class, () -> Store.open(dir));
    assertTrue(e.getMessage().contains("is not a valid OCI image index"), e.getMessage());
    assertFalse(Files.exists(dir.resolve(".lading/refs")));
  }

  @Test
  void fsckQuarantinesACorruptBlobAndReportsTheBrokenRef() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "will be damaged");
    store.setRef("victim", image);
    Digest layer = TestImages.layer(store, image);
    Path layerFile = store.blobPath(layer);
    byte[] bytes = Files.readAllBytes(layerFile);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(layerFile, bytes);

    FsckReport report = store.fsck();
    assertFalse(report.clean());
    assertEquals(3, report.blobsChecked());
    assertEquals(1, report.quarantined().size());
    FsckReport.Quarantined q = report.quarantined().get(0);
    assertEquals(layer.hex(), q.name());
    assertEquals(Digest.of(bytes), q.actual());
    assertTrue(Files.isRegularFile(q.movedTo()));
    assertTrue(q.movedTo().startsWith(dir.resolve(".lading/quarantine")));
    assertFalse(store.has(layer));
    assertEquals(List.of(new FsckReport.Missing("victim", layer, "missing")), report.missing());

    store.deleteRef("victim");
    assertTrue(store.fsck().clean());
  }

  @Test
  void fsckRemovesOldTempFilesAndRepairsIndexJson() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "kept");
    store.setRef("kept", image);
    Path oldTemp = Files.writeString(dir.resolve(".lading/tmp/blob-old.tmp"), "left by a crash");
    Path newTemp = Files.writeString(dir.resolve(".lading/tmp/blob-new.tmp"), "being written");
    Digest partialDigest = Digest.of(utf8("whole"));
    Path oldPartial = dir.resolve(".lading/ingest/" + partialDigest.hex() + ".partial");
    Files.createDirectories(oldPartial.getParent());
    Files.writeString(oldPartial, "wh");
    FileTime twoHoursAgo = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
    Files.setLastModifiedTime(oldTemp, twoHoursAgo);
    Files.setLastModifiedTime(oldPartial, twoHoursAgo);
    Path deadArchive = store.workAreas().newTempDirectory("archive-"); // its extracting process died
    Files.writeString(Files.createDirectories(deadArchive.resolve("blobs/sha256")).resolve("x"), "x");
    Files.setLastModifiedTime(deadArchive, twoHoursAgo);
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");

    FsckReport report = store.fsck();
    assertTrue(report.clean(), report.toString());
    assertEquals(java.util.Set.of(oldTemp, oldPartial, deadArchive),
        java.util.Set.copyOf(report.removedTempFiles()));
    assertFalse(Files.exists(deadArchive));
    assertTrue(Files.exists(newTemp));
    assertTrue(report.indexRepaired());
    assertEquals(1, Json.mapper().readTree(dir.resolve("index.json").toFile()).get("manifests").size());
    assertFalse(store.fsck().indexRepaired());
  }

  @Test
  void gcKeepsReferencedAndYoungBlobsAndRemovesOldUnreferencedOnes() throws IOException {
    Store store = Store.open(dir);
    Descriptor kept = TestImages.put(store, "kept");
    Descriptor child = TestImages.put(store, "in an index");
    String indexJson = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
        + "\",\"manifests\":[" + TestImages.descriptorJson(child) + "]}";
    Descriptor index = store.put(MediaTypes.OCI_INDEX, utf8(indexJson));
    Descriptor dropped = TestImages.put(store, "dropped");
    store.setRef("kept", kept);
    store.setRef("multi", index);
    store.setRef("dropped", dropped);
    store.deleteRef("dropped");
    Digest young = store.put(utf8("young and unreferenced"));

    // Everything is young: nothing goes.
    GcReport none = store.gc();
    assertEquals(List.of(), none.removed());
    assertEquals(7, none.referenced());

    FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
    for (Path blob : blobFiles()) {
      if (!blob.getFileName().toString().equals(young.hex())) {
        Files.setLastModifiedTime(blob, old);
      }
    }
    JsonNode droppedManifest = Json.mapper().readTree(store.bytes(dropped.digest()));
    Digest droppedConfig = Digest.parse(droppedManifest.get("config").get("digest").asText());
    Digest droppedLayer = Digest.parse(droppedManifest.get("layers").get(0).get("digest").asText());
    long droppedBytes = dropped.size() + store.size(droppedConfig) + store.size(droppedLayer);
    GcReport report = store.gc();
    assertEquals(7, report.referenced());
    assertEquals(1, report.keptYoung());
    assertEquals(java.util.Set.of(dropped.digest(), droppedConfig, droppedLayer),
        java.util.Set.copyOf(report.removed()));
    assertEquals(droppedBytes, report.bytesRemoved());
    assertFalse(store.has(dropped.digest()));
    assertTrue(store.has(young));
    assertTrue(store.has(child.digest()), "reached through the index");
    assertTrue(store.fsck().clean());

    GcReport later = store.gc(Duration.ZERO);
    assertEquals(List.of(young), later.removed());
  }

  @Test
  void gcWaitsForLeases() throws Exception {
    Store store = Store.open(dir);
    Lease lease = store.lease();
    Digest blob = store.put(utf8("written under a lease, not referenced yet"));
    CompletableFuture<GcReport> gc = CompletableFuture.supplyAsync(() -> {
      try {
        return store.gc(Duration.ZERO);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(300);
    assertFalse(gc.isDone(), "gc waits while a lease is held");
    Descriptor manifest = TestImages.put(store, "referencing");
    String withBlob = new String(store.bytes(manifest.digest()), StandardCharsets.UTF_8)
        .replace("\"layers\":[", "\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP
            + "\",\"digest\":\"" + blob + "\",\"size\":" + store.size(blob) + "},");
    store.setRef("leased", store.put(MediaTypes.OCI_MANIFEST, utf8(withBlob)));
    lease.close();
    GcReport report = gc.get(10, TimeUnit.SECONDS);
    assertTrue(store.has(blob));
    assertFalse(report.removed().contains(blob));
    assertEquals(1, report.removed().size(), "only the first manifest, now unreferenced");
  }

  @Test
  void manyThreadsAndTwoStoreInstancesInOneJvmShareTheLocks() throws Exception {
    Store one = Store.open(dir);
    Store two = Store.open(dir);
    List<CompletableFuture<Void>> tasks = new java.util.ArrayList<>();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      Store store = t % 2 == 0 ? one : two;
      int thread = t;
      tasks.add(CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < 10; i++) {
            try (Lease lease = store.lease()) {
              store.setRef("t" + thread + ":" + i, TestImages.put(store, "image " + (i % 3)));
            }
            if (i % 5 == 0) {
              store.gc(Duration.ZERO);
            }
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, pool));
    }
    try {
      CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(80, one.refs().size());
    assertEquals(80, Json.mapper().readTree(dir.resolve("index.json").toFile()).get("manifests").size());
    assertTrue(two.fsck().clean());
    assertEquals(9, blobFiles().size(), "three images of three blobs each, stored once");
  }
}
