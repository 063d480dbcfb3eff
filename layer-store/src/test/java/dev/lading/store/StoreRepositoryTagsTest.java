package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repository tags: the O(1) names of the registry mirror, on real files. */
class StoreRepositoryTagsTest {
  @TempDir Path dir;

  private Path tagFile(String repository, String tag) {
    return dir.resolve(".lading/repositories").resolve(repository).resolve("_tags").resolve(tag);
  }

  private List<Path> filesUnder(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void aTagRoundTripsAndIsListedPerRepository() throws IOException {
    Store store = Store.open(dir);
    Descriptor one = TestImages.put(store, "one");
    Descriptor two = TestImages.put(store, "two");
    Descriptor annotated = two.withAnnotations(Map.of("org.example.note", "kept"));

    store.setTag("library/ubuntu", "24.04", one);
    store.setTag("library/ubuntu", "latest", annotated);
    store.setTag("library/ubuntu", "22.04", one);
    store.setTag("library", "x", two); // a repository that is also a prefix of another
    store.setTag("team-a/app", "v1", two);

    assertEquals(Optional.of(one), store.tag("library/ubuntu", "24.04"));
    assertEquals(Optional.of(annotated), store.tag("library/ubuntu", "latest"));
    assertEquals(Optional.empty(), store.tag("library/ubuntu", "nope"));
    assertEquals(Optional.empty(), store.tag("unknown/repo", "latest"));
    assertEquals(List.of("22.04", "24.04", "latest"), store.tags("library/ubuntu"));
    assertEquals(List.of(), store.tags("unknown/repo"));
    assertEquals(List.of("library", "library/ubuntu", "team-a/app"), store.repositories());
    assertArrayEquals(Json.write(one), Files.readAllBytes(tagFile("library/ubuntu", "24.04")),
        "the tag file holds the descriptor's JSON");
    assertEquals(List.of(), store.refs(), "tags are not refs");

    store.setTag("library/ubuntu", "latest", one); // moving a tag
    assertEquals(Optional.of(one), store.tag("library/ubuntu", "latest"));

    assertTrue(store.deleteTag("library/ubuntu", "22.04"));
    assertFalse(store.deleteTag("library/ubuntu", "22.04"));
    assertEquals(List.of("24.04", "latest"), store.tags("library/ubuntu"));
    assertTrue(store.deleteTag("library", "x"));
    assertEquals(List.of("library/ubuntu", "team-a/app"), store.repositories(),
        "a repository without tags is not listed");
  }

  @Test
  void settingATagToWhatItIsWritesNothing() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "same");
    store.setTag("repo", "t", image);
    Path file = tagFile("repo", "t");
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    store.setTag("repo", "t", image);
    assertEquals(key, Files.readAttributes(file, BasicFileAttributes.class).fileKey(), "not rewritten");
    // Only its time moves: setting a tag is a use, which the size-capped gc evicts by.
    assertTrue(Files.getLastModifiedTime(file).toInstant().isAfter(Instant.now().minusSeconds(60)));
  }

  @Test
  void repositoriesArePaginatedByLastAndN() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "paged");
    // '-' sorts before '/', so "a-b" comes between "a" and "a/b" although the tree puts it elsewhere.
    List<String> names = List.of("a", "a/b", "a-b", "a/b/c", "b", "b0", "c.d", "c_d");
    for (String name : names) {
      store.setTag(name, "latest", image);
    }
    List<String> sorted = names.stream().sorted().toList();
    assertEquals(sorted, store.repositories());
    List<String> walked = new ArrayList<>();
    String last = null;
    for (List<String> page; !(page = store.repositories(last, 3)).isEmpty(); ) {
      assertTrue(page.size() <= 3);
      walked.addAll(page);
      last = page.get(page.size() - 1);
    }
    assertEquals(sorted, walked);
    assertEquals(List.of("a/b/c", "b"), store.repositories("a/b", 2));
    assertEquals(List.of(), store.repositories("zzz", 10));
    assertEquals(List.of(), store.repositories(null, 0));
    assertThrows(IllegalArgumentException.class, () -> store.repositories(null, -1));
  }

  @Test
  void namesOutsideTheDistributionGrammarAreRejectedClearlyAndWriteNothing() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "valid");
    for (String good : List.of("a", "0", "a.b", "a_b", "a__b", "a-b", "a---b", "library/ubuntu",
        "a/b/c/d", "x".repeat(255))) {
      assertTrue(Store.isRepositoryName(good), good);
    }
    for (String good : List.of("latest", "_x", "A.b-c_D", "1", "x".repeat(128))) {
      assertTrue(Store.isTagName(good), good);
    }
    List<String> badRepositories = List.of("", "Upper", "a//b", "/a", "a/", "..", "a/../b", "a/./b",
        ".", "_tags", "a/_tags", "a..b", "a._b", "a___b", "-a", "a-", "a b", "a:b", "a\\b", "ü",
        "x".repeat(256), "a/\u0000");
    for (String bad : badRepositories) {
      assertFalse(Store.isRepositoryName(bad), bad);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> store.setTag(bad, "latest", image), bad);
      assertTrue(e.getMessage().contains("repository name"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> store.tag(bad, "latest"));
      assertThrows(IllegalArgumentException.class, () -> store.deleteTag(bad, "latest"));
      assertThrows(IllegalArgumentException.class, () -> store.tags(bad));
    }
    IllegalArgumentException component = assertThrows(IllegalArgumentException.class,
        () -> store.setTag("library/Ubuntu", "latest", image));
    assertTrue(component.getMessage().contains("component 'Ubuntu'"), component.getMessage());
    assertTrue(component.getMessage().contains("OCI distribution grammar"), component.getMessage());

    List<String> badTags = List.of("", ".", "..", ".hidden", "-x", "a/b", "../x", "a:b", "a b", "a@b",
        "x".repeat(129), "t\n");
    for (String bad : badTags) {
      assertFalse(Store.isTagName(bad), bad);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> store.setTag("repo", bad, image), bad);
      assertTrue(e.getMessage().contains("tag"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> store.tag("repo", bad));
      assertThrows(IllegalArgumentException.class, () -> store.deleteTag("repo", bad));
    }

    Descriptor layer = store.put(MediaTypes.OCI_LAYER_GZIP, "not a manifest".getBytes(
        StandardCharsets.UTF_8));
    IllegalArgumentException notManifest = assertThrows(IllegalArgumentException.class,
        () -> store.setTag("repo", "layer", layer));
    assertTrue(notManifest.getMessage().contains("repo:layer"), notManifest.getMessage());
    Descriptor absent = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.of(new byte[] {1}), 1);
    assertThrows(NoSuchBlobException.class, () -> store.setTag("repo", "absent", absent));

    assertEquals(List.of(), filesUnder(dir.resolve(".lading/repositories")), "nothing was written");
    assertEquals(List.of(), store.repositories());
  }

  @Test
  void gcKeepsTagOnlyImagesAndRemovesThemOnceTheTagIsDeleted() throws IOException {
    Store store = Store.open(dir);
    Descriptor tagged = TestImages.put(store, "tag only");
    Descriptor untagged = TestImages.put(store, "nothing names me");
    // An index, so gc must mark through it to the manifest it lists.
    byte[] indexJson = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
        + "\",\"manifests\":[" + TestImages.descriptorJson(tagged) + "]}")
        .getBytes(StandardCharsets.UTF_8);
    Descriptor index = store.put(MediaTypes.OCI_INDEX, indexJson);
    store.setTag("mirror/app", "1.0", index);

    GcReport first = store.gc(Duration.ZERO);
    assertEquals(4, first.referenced(), "index, manifest, config and layer of the tagged image");
    assertEquals(3, first.removed().size(), "the untagged image's manifest, config and layer");
    assertFalse(store.has(untagged.digest()));
    assertTrue(store.has(index.digest()));
    assertTrue(store.has(tagged.digest()));
    assertTrue(store.fsck().clean());

    assertTrue(store.deleteTag("mirror/app", "1.0"));
    GcReport second = store.gc(Duration.ZERO);
    assertEquals(4, second.removed().size());
    assertFalse(store.has(tagged.digest()));
    assertEquals(List.of(), filesUnder(dir.resolve("blobs/sha256")));
    assertFalse(Files.exists(dir.resolve(".lading/repositories/mirror")),
        "gc removes the directories of repositories without tags");
    assertTrue(Files.isDirectory(dir.resolve(".lading/repositories")));
  }

  @Test
  void fsckChecksTagTargetsAndQuarantinesCorruptTagFiles() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "checked");
    JsonNode manifest = Json.mapper().readTree(store.bytes(image.digest()));
    Digest layer = Digest.parse(manifest.get("layers").get(0).get("digest").asText());
    Descriptor gone = TestImages.put(store, "manifest will vanish");
    store.setTag("mirror/app", "ok", image);
    store.setTag("mirror/app", "broken", gone);
    assertTrue(store.fsck().clean());

    Files.delete(store.blobPath(gone.digest()));
    Files.delete(store.blobPath(layer));
    FsckReport report = store.fsck();
    assertFalse(report.clean());
    assertEquals(List.of(new FsckReport.Missing("mirror/app:broken", gone.digest(), "missing"),
        new FsckReport.Missing("mirror/app:ok", layer, "missing")), report.missing());

    // A layer the registry it came from still holds is lazy, as for refs; a manifest never is.
    BlobOrigin origin = BlobOrigin.parse("registry.example/library/app");
    store.addOrigin(layer, origin);
    store.addOrigin(gone.digest(), origin);
    report = store.fsck();
    assertEquals(List.of(new FsckReport.Lazy("mirror/app:ok", layer, List.of(origin))), report.lazy());
    assertEquals(List.of(new FsckReport.Missing("mirror/app:broken", gone.digest(), "missing")),
        report.missing());
    assertTrue(store.deleteTag("mirror/app", "broken"));
    assertTrue(store.fsck().clean());

    // A tag file damaged on disk: gc refuses to guess, fsck moves it aside, then gc works again.
    store.setTag("mirror/other", "bad", image);
    Path bad = tagFile("mirror/other", "bad");
    Files.write(bad, "{\"mediaType\": trunc".getBytes(StandardCharsets.UTF_8));
    IOException gcError = assertThrows(IOException.class, () -> store.gc(Duration.ZERO));
    assertTrue(gcError.getMessage().contains("gc stopped, nothing deleted"), gcError.getMessage());
    assertTrue(gcError.getMessage().contains("run fsck"), gcError.getMessage());
    IOException readError = assertThrows(IOException.class, () -> store.tag("mirror/other", "bad"));
    assertTrue(readError.getMessage().contains(bad.toString()), readError.getMessage());
    // A stale temp file of an interrupted tag write is removed too.
    Path stale = bad.resolveSibling(".bad.1234" + AtomicFiles.TMP_SUFFIX);
    Files.write(stale, new byte[] {1});
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

    FsckReport corrupt = store.fsck();
    assertFalse(corrupt.clean());
    assertEquals(1, corrupt.quarantinedTags().size());
    FsckReport.QuarantinedTag q = corrupt.quarantinedTags().get(0);
    assertEquals("mirror/other", q.repository());
    assertEquals("bad", q.tag());
    assertTrue(q.movedTo().startsWith(dir.resolve(".lading/quarantine")), q.movedTo().toString());
    assertArrayEquals("{\"mediaType\": trunc".getBytes(StandardCharsets.UTF_8),
        Files.readAllBytes(q.movedTo()), "the damaged file is kept for inspection");
    assertEquals(List.of(stale), corrupt.removedTempFiles());
    assertFalse(Files.exists(bad));
    assertEquals(List.of(), store.tags("mirror/other"));
    assertTrue(store.fsck().clean());
    store.gc(Duration.ZERO);
    assertTrue(store.has(image.digest()), "the ok tag still holds its image");
    assertTrue(store.has(Digest.parse(manifest.get("config").get("digest").asText())));
    assertFalse(store.has(gone.digest()));
  }

  @Test
  void tagWritesNeverTouchIndexJsonAndDoNotSlowDownWithThousandsOfTags() throws IOException {
    Store store = Store.open(dir);
    Descriptor image = TestImages.put(store, "many tags");
    store.setRef("named", image);
    Path index = dir.resolve("index.json");
    byte[] indexBefore = Files.readAllBytes(index);
    BasicFileAttributes attributesBefore = Files.readAttributes(index, BasicFileAttributes.class);

    for (int i = 0; i < 10; i++) {
      store.setTag("mirror/big", "existing-" + i, image);
    }
    long[] few = timeWrites(store, image, "few");
    // Existing tags in the written repository and in many others: neither may matter.
    for (int i = 10; i < 5_000; i++) {
      store.setTag(i % 2 == 0 ? "mirror/big" : "other/r" + (i / 2 % 500), "existing-" + i, image);
    }
    long[] many = timeWrites(store, image, "many");

    assertEquals(501, store.repositories().size());
    assertEquals(10 + 2_495 + 200 * 2, store.tags("mirror/big").size());
    assertArrayEquals(indexBefore, Files.readAllBytes(index), "index.json bytes unchanged");
    BasicFileAttributes attributesAfter = Files.readAttributes(index, BasicFileAttributes.class);
    assertEquals(attributesBefore.fileKey(), attributesAfter.fileKey(), "index.json not replaced");
    assertEquals(attributesBefore.lastModifiedTime(), attributesAfter.lastModifiedTime());

    // Printed, not asserted: a timed unit test fails on a busy machine (it did, 4x under load);
    // what keeps writes flat is structural: a tag write touches its own file only (checked above).
    System.out.printf("median tag write: %d µs with 10 tags, %d µs with 5,000 (ratio %.2f)%n",
        median(few) / 1000, median(many) / 1000, (double) median(many) / median(few));
  }

  private static long[] timeWrites(Store store, Descriptor image, String prefix) throws IOException {
    long[] nanos = new long[200];
    for (int i = 0; i < nanos.length; i++) {
      long start = System.nanoTime();
      store.setTag("mirror/big", prefix + "-" + i, image);
      nanos[i] = System.nanoTime() - start;
    }
    return nanos;
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
