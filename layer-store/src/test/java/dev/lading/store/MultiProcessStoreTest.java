package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real separate JVMs on one store: concurrent writers, and a writer killed with SIGKILL. */
class MultiProcessStoreTest {
  @TempDir Path dir;

  private Process startWorker(Path log, String... args) throws IOException {
    return startWorker(log, java.util.Map.of(), args);
  }

  private Process startWorker(Path log, java.util.Map<String, String> env, String... args)
      throws IOException {
    return StoreWorker.start(log, env, args);
  }

  /**
   * Runs workers "a" and "b" in {@code mode} on one store while this JVM runs gc with no grace period
   * in a loop; both must exit 0, and gc must have run while they worked.
   */
  private void runTwoWorkersUnderGc(Store store, Path storeDir, String mode, int count) throws Exception {
    Process a = startWorker(dir.resolve("a.log"), mode, storeDir.toString(), "a", "" + count);
    Process b = startWorker(dir.resolve("b.log"), mode, storeDir.toString(), "b", "" + count);
    int gcRuns = 0;
    while (a.isAlive() || b.isAlive()) {
      store.gc(Duration.ZERO);
      gcRuns++;
      Thread.sleep(20);
    }
    assertTrue(a.waitFor(120, TimeUnit.SECONDS) && b.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, a.exitValue(), Files.readString(dir.resolve("a.log")));
    assertEquals(0, b.exitValue(), Files.readString(dir.resolve("b.log")));
    assertTrue(gcRuns > 0);
  }

  @Test
  void twoProcessesWriteTheSameAndDifferentBlobsAndRefsWithoutLosingAny() throws Exception {
    Path storeDir = dir.resolve("store");
    Store store = Store.open(storeDir);
    int count = 30;
    // Meanwhile this JVM collects garbage with no grace period: only leases protect the workers.
    runTwoWorkersUnderGc(store, storeDir, "mix", count);

    Set<String> expected = new HashSet<>();
    for (int i = 0; i < count; i++) {
      expected.add("shared/img:" + i);
      expected.add("worker-a/img:" + i);
      expected.add("worker-b/img:" + i);
      if (i % 10 == 0) {
        expected.add("big/img:a-" + i);
        expected.add("big/img:b-" + i);
      }
    }
    List<StoreRef> refs = store.refs();
    assertEquals(expected, Set.copyOf(refs.stream().map(StoreRef::name).toList()));
    JsonNode index = Json.mapper().readTree(storeDir.resolve("index.json").toFile());
    Set<String> indexed = new HashSet<>();
    index.get("manifests").forEach(m ->
        indexed.add(m.get("annotations").get(Descriptor.REF_NAME).asText()));
    assertEquals(expected, indexed, "index.json lists every ref of both processes");

    FsckReport report = store.fsck();
    assertTrue(report.clean(), report.toString());
    assertEquals(List.of(), report.removedTempFiles());
    assertTrue(store.has(Digest.of(StoreWorker.content(3 * 1024 * 1024, 42))));
    assertEquals(List.of(), store.gc(Duration.ZERO).removed(), "every blob is referenced");
    try (Stream<Path> tmp = Files.list(storeDir.resolve(".lading/tmp"))) {
      assertEquals(0, tmp.count(), "no temp file left behind");
    }
  }

  @Test
  void twoProcessesSetHundredsOfTagsInSharedAndOwnRepositoriesWithoutLosingAny() throws Exception {
    Path storeDir = dir.resolve("store");
    Store store = Store.open(storeDir);
    byte[] indexBefore = Files.readAllBytes(storeDir.resolve("index.json"));
    int count = 300;
    // gc with no grace meanwhile: it must neither take tagged blobs nor prune a directory in use.
    runTwoWorkersUnderGc(store, storeDir, "tags", count);

    Set<String> shared = new HashSet<>();
    for (int i = 0; i < count; i++) {
      shared.add("a-" + i);
      shared.add("b-" + i);
      shared.add("both-" + i);
    }
    assertEquals(shared, Set.copyOf(store.tags("shared/repo")));
    Descriptor bothTarget = TestImages.put(store, "tagged by both");
    for (String id : List.of("a", "b")) {
      Descriptor own = TestImages.put(store, "tagged by " + id);
      assertEquals(count, store.tags("worker-" + id).size());
      for (int i = 0; i < count; i++) {
        assertEquals(java.util.Optional.of(own), store.tag("shared/repo", id + "-" + i));
        assertEquals(java.util.Optional.of(own), store.tag("worker-" + id, "t-" + i));
        assertEquals(java.util.Optional.of(bothTarget), store.tag("shared/repo", "both-" + i));
      }
      for (int n = 0; n < 7; n++) {
        assertTrue(store.tags("worker-" + id + "/nested-" + n).size() >= count / 7);
      }
    }
    List<String> repositories = store.repositories();
    assertEquals(1 + 2 * 8, repositories.size(), repositories.toString());
    assertEquals(List.of(), store.refs(), "tags are not refs");
    assertArrayEquals(indexBefore, Files.readAllBytes(storeDir.resolve("index.json")),
        "no tag write touched index.json");
    FsckReport report = store.fsck();
    assertTrue(report.clean(), report.toString());
    assertEquals(List.of(), report.removedTempFiles(), "no temp file left behind");
    assertEquals(List.of(), store.gc(Duration.ZERO).removed(), "every blob is tagged");
  }

  @Test
  void aWriterKilledWithSigkillLeavesAResumablePartialAndNoVisibleBlob() throws Exception {
    Path storeDir = dir.resolve("store");
    Store store = Store.open(storeDir);
    int size = 8 * 1024 * 1024;
    byte[] content = StoreWorker.content(size, 99);
    Digest digest = Digest.of(content);

    Process child = startWorker(null, "slow", storeDir.toString(), "" + size, "99");
    long reached = 0;
    List<String> output = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; reached < 1024 * 1024 && (line = out.readLine()) != null; ) {
        output.add(line);
        if (line.startsWith("at ")) {
          reached = Long.parseLong(line.substring(3));
        }
      }
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(reached >= 1024 * 1024, "the child wrote before being killed: " + output);
    assertEquals(137, child.exitValue(), "killed by SIGKILL");

    assertFalse(store.has(digest), "no half blob is visible");
    try (Stream<Path> blobs = Files.list(storeDir.resolve("blobs/sha256"))) {
      assertEquals(0, blobs.count());
    }
    FsckReport report = store.fsck();
    assertTrue(report.clean(), report.toString());
    assertEquals(List.of(), report.removedTempFiles(), "a fresh partial is kept for resuming");

    try (BlobWriter writer = store.resumableWriter(digest)) {
      long position = writer.position();
      assertTrue(position >= reached && position < size, "resumes at " + position);
      writer.write(content, (int) position, size - (int) position);
      assertEquals(digest, writer.commit());
    }
    assertArrayEquals(content, store.bytes(digest));
    assertTrue(store.fsck().clean());
  }

  /**
   * Three processes of four threads each pull six overlapping images into one empty store, six
   * rounds. Each thread holds the store's lease while it waits for another process's per-layer lock,
   * the pattern fcntl's deadlock detection misreads (it sees processes, not threads): before the
   * store survived EDEADLK, this failed most rounds with "Resource deadlock avoided".
   */
  @Test
  void concurrentPullsOfOverlappingImagesByThreadsOfSeveralProcessesAllSucceed() throws Exception {
    int images = 6;
    for (int round = 0; round < 6; round++) {
      Path storeDir = dir.resolve("pulls-" + round);
      Store store = Store.open(storeDir);
      List<Process> workers = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        workers.add(startWorker(dir.resolve("pull-" + round + "-" + p + ".log"), "pulls",
            storeDir.toString(), "p" + p, "4", "" + images));
      }
      for (int p = 0; p < workers.size(); p++) {
        Process worker = workers.get(p);
        assertTrue(worker.waitFor(120, TimeUnit.SECONDS), "round " + round + ": worker " + p + " hangs");
        assertEquals(0, worker.exitValue(), "round " + round + ", worker " + p + ":\n"
            + Files.readString(dir.resolve("pull-" + round + "-" + p + ".log")));
      }
      for (int image = 0; image < images; image++) {
        assertTrue(store.ref("pulled/img:" + image).isPresent(), "round " + round + ": image " + image);
        for (byte[] layer : StoreWorker.pullLayers(image)) {
          assertArrayEquals(layer, store.bytes(Digest.of(layer)));
        }
      }
      assertTrue(store.fsck().clean(), "round " + round);
    }
  }

  @Test
  void theDefaultDirectoryComesFromLadingStoreOrTheHomeDirectory() throws Exception {
    Process withEnv = startWorker(null, java.util.Map.of(Store.STORE_ENV, "/srv/lading"), "where");
    assertEquals("/srv/lading", new String(withEnv.getInputStream().readAllBytes(),
        StandardCharsets.UTF_8).trim());
    Process withoutEnv = startWorker(null, "where");
    assertEquals(Path.of(System.getProperty("user.home"), ".lading", "store").toString(),
        new String(withoutEnv.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    assertEquals(0, withEnv.waitFor());
    assertEquals(0, withoutEnv.waitFor());
  }
}
