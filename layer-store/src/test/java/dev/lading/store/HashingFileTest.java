package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashingFileTest {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aBlobHashedWhileWrittenIsPublishedByRenameAndReadableWhileItGrows() throws IOException {
    Store store = Store.open(dir);
    byte[] blob = new byte[1_000_003];
    new Random(7).nextBytes(blob);
    Digest digest = Digest.of(blob);
    Path file = store.workAreas().newTempDirectory("pull-").resolve("data");
    try (HashingFile hashing = store.hashingFile(file)) {
      hashing.write(blob, 0, 500_000);
      // A reader of the path sees the bytes at once: nothing is buffered in the writer.
      assertEquals(500_000, Files.size(file));
      assertFalse(store.has(digest), "nothing visible while it grows");
      hashing.write(blob, 500_000, blob.length - 500_000);
      hashing.verify(digest);
      assertFalse(store.has(digest), "verified is not yet stored");
      assertEquals(blob.length, hashing.commit(MediaTypes.OCI_LAYER_TAR).size());
    }
    assertArrayEquals(blob, store.bytes(digest));
    assertFalse(Files.exists(file), "renamed, not copied");
  }

  @Test
  void aCorruptDownloadNeverBecomesVisible() throws IOException {
    Store store = Store.open(dir);
    Digest promised = Digest.of(utf8("the blob the manifest names"));
    Path file = store.workAreas().newTempDirectory("pull-").resolve("data");
    try (HashingFile hashing = store.hashingFile(file)) {
      byte[] wrong = utf8("the blob the upstream sent");
      hashing.write(wrong, 0, wrong.length);
      assertThrows(DigestMismatchException.class, () -> hashing.verify(promised));
      assertThrows(IllegalStateException.class, () -> hashing.commit(MediaTypes.OCI_LAYER_TAR));
    }
    assertFalse(store.has(promised));
    assertFalse(Files.exists(file), "the wrong bytes are deleted");
  }

  @Test
  void commitNeedsAVerifiedDigest() throws IOException {
    Store store = Store.open(dir);
    Path file = store.workAreas().newTempDirectory("pull-").resolve("data");
    try (HashingFile hashing = store.hashingFile(file)) {
      hashing.write(utf8("x"), 0, 1);
      assertThrows(IllegalStateException.class, () -> hashing.commit(MediaTypes.OCI_LAYER_TAR));
    }
    assertFalse(store.has(Digest.of(utf8("x"))));
  }

  @Test
  void aResumedDownloadIsVerifiedOverTheBytesAnEarlierOneLeft() throws IOException {
    Store store = Store.open(dir);
    byte[] blob = utf8("first half, then the second half after a restart");
    Digest digest = Digest.of(blob);
    Path file = store.workAreas().newTempDirectory("pull-").resolve("data");
    Files.write(file, java.util.Arrays.copyOf(blob, 11)); // what a killed download left
    try (HashingFile hashing = store.hashingFile(file)) {
      assertEquals(11, hashing.position());
      try (InputStream held = hashing.readHeld()) {
        assertArrayEquals(java.util.Arrays.copyOf(blob, 11), held.readAllBytes());
      }
      hashing.write(blob, 11, blob.length - 11);
      hashing.verify(digest);
      hashing.commit(MediaTypes.OCI_LAYER_TAR);
    }
    assertArrayEquals(blob, store.bytes(digest));
  }

  @Test
  void aResumeAfterCorruptHeldBytesIsRefused() throws IOException {
    Store store = Store.open(dir);
    byte[] blob = utf8("good bytes all the way through");
    Digest digest = Digest.of(blob);
    Path file = store.workAreas().newTempDirectory("pull-").resolve("data");
    Files.write(file, utf8("BAD bytes")); // a prefix that is not the blob's
    try (HashingFile hashing = store.hashingFile(file)) {
      hashing.write(blob, 9, blob.length - 9);
      assertThrows(DigestMismatchException.class, () -> hashing.verify(digest));
    }
    assertFalse(store.has(digest));
  }

  @Test
  void onlyFilesInTheTempAreaAreTaken() throws IOException {
    Store store = Store.open(dir);
    Path outside = dir.resolve("outside");
    assertThrows(IllegalArgumentException.class, () -> store.hashingFile(outside));
    assertThrows(IllegalArgumentException.class,
        () -> store.hashingFile(dir.resolve("blobs/sha256/" + "0".repeat(64))));
    assertFalse(Files.exists(outside));
  }

  @Test
  void aFileClosedUnpublishedLeavesNoBlob() throws IOException {
    Store store = Store.open(dir);
    Path file = store.workAreas().newTempDirectory("pull-").resolve("data");
    byte[] blob = utf8("killed halfway");
    try (HashingFile hashing = store.hashingFile(file)) {
      hashing.write(blob, 0, blob.length);
    }
    assertFalse(store.has(Digest.of(blob)));
    assertTrue(Files.exists(file), "left for the owner (or gc) to remove");
  }
}
