package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.registry.BlobSink;
import dev.lading.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single-flight pulls: a source that stops halfway, under the test's control, shows that readers
 * get bytes while the blob arrives, that one joining late reads the same download, and that the
 * last byte waits for verification.
 */
class BlobPullsTest {
  @TempDir Path tmp;

  /** Serves {@code served} in two halves, pausing in between until released. */
  private static final class PausingSource implements BlobPulls.Source {
    final byte[] served;
    final Digest expected;
    final CountDownLatch halfway = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger fetches = new AtomicInteger();

    PausingSource(byte[] served, Digest expected) {
      this.served = served;
      this.expected = expected;
    }

    @Override
    public Optional<Long> size() {
      return Optional.of((long) served.length);
    }

    @Override
    public void fetch(long size, BlobSink sink) throws IOException {
      fetches.incrementAndGet();
      int half = served.length / 2;
      sink.write(served, 0, half);
      halfway.countDown();
      try {
        assertTrue(release.await(30, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      sink.write(served, half, served.length - half);
      // What RegistryClient.fetchBlob does at the end.
      Digest actual = Digest.of(served);
      if (!actual.equals(expected)) {
        throw new DigestMismatchException("blob", expected, actual);
      }
    }
  }

  /** Collects what a reader sent; readable while it is being written. */
  private static final class Received extends ByteArrayOutputStream {
    @Override
    public synchronized int size() {
      return super.size();
    }
  }

  private static CompletableFuture<Void> read(RegistryStorage.IncomingBlob blob, Received into) {
    return CompletableFuture.runAsync(() -> {
      try {
        blob.sendTo(into);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private static void awaitSize(Received r, int size) throws InterruptedException {
    for (int i = 0; i < 3000 && r.size() < size; i++) {
      Thread.sleep(10);
    }
    assertEquals(size, r.size());
  }

  @Test
  void readersStreamOneDownloadWhileItArrivesAndALateOneJoinsIt() throws Exception {
    Store store = Store.open(tmp.resolve("store"));
    BlobPulls pulls = new BlobPulls(store, line -> { });
    byte[] content = new byte[1 << 20];
    new Random(1).nextBytes(content);
    Digest digest = Digest.of(content);
    PausingSource source = new PausingSource(content, digest);

    RegistryStorage.IncomingBlob first = pulls.pull(digest, source).orElseThrow();
    Received firstGot = new Received();
    CompletableFuture<Void> firstDone = read(first, firstGot);
    assertTrue(source.halfway.await(30, TimeUnit.SECONDS));
    awaitSize(firstGot, content.length / 2); // streamed before the download is whole

    BlobPulls.Source mustNotRun = new BlobPulls.Source() {
      @Override
      public Optional<Long> size() {
        throw new AssertionError("a second download started");
      }

      @Override
      public void fetch(long size, BlobSink sink) {
        throw new AssertionError("a second download started");
      }
    };
    RegistryStorage.IncomingBlob late = pulls.pull(digest, mustNotRun).orElseThrow();
    Received lateGot = new Received();
    CompletableFuture<Void> lateDone = read(late, lateGot);
    awaitSize(lateGot, content.length / 2); // joined mid-download, from the first byte
    assertFalse(store.has(digest), "not in the store before it is whole");

    source.release.countDown();
    firstDone.get(30, TimeUnit.SECONDS);
    lateDone.get(30, TimeUnit.SECONDS);
    assertArrayEquals(content, firstGot.toByteArray());
    assertArrayEquals(content, lateGot.toByteArray());
    assertEquals(1, source.fetches.get());
    first.await();
    assertTrue(store.has(digest));
    // Stored now: a later pull serves the blob without a download.
    Received after = new Received();
    pulls.pull(digest, mustNotRun).orElseThrow().sendTo(after);
    assertArrayEquals(content, after.toByteArray());
  }

  @Test
  void wrongBytesCutEveryReaderBeforeTheLastByteAndLeaveNothing() throws Exception {
    Store store = Store.open(tmp.resolve("store"));
    BlobPulls pulls = new BlobPulls(store, line -> { });
    byte[] content = new byte[256 * 1024];
    new Random(2).nextBytes(content);
    Digest digest = Digest.of(content);
    byte[] rotten = content.clone();
    rotten[rotten.length - 1] ^= 1;
    PausingSource source = new PausingSource(rotten, digest);

    // Released once the pull has started: a download that fails before a request joins it fails
    // that request at once instead, which is not what this test is about.
    RegistryStorage.IncomingBlob blob = pulls.pull(digest, source).orElseThrow();
    source.release.countDown();
    Received got = new Received();
    IOException cut = assertThrows(IOException.class, () -> blob.sendTo(got));
    assertTrue(cut.getMessage().contains(digest.toString()), cut.getMessage());
    assertTrue(got.size() < content.length, "the last byte is never sent");
    assertFalse(store.has(digest));

    // The failure is not remembered: the next request downloads again, from a good source.
    PausingSource good = new PausingSource(content, digest);
    good.release.countDown();
    Received again = new Received();
    RegistryStorage.IncomingBlob retried = pulls.pull(digest, good).orElseThrow();
    retried.sendTo(again);
    assertArrayEquals(content, again.toByteArray());
    retried.await(); // clients get the last byte once it is verified, before the fsync and rename
    assertTrue(store.has(digest));
  }

  @Test
  void wrongBytesFromASourceThatDoesNotCheckAreCaughtByTheStoreHash() throws Exception {
    Store store = Store.open(tmp.resolve("store"));
    BlobPulls pulls = new BlobPulls(store, line -> { });
    byte[] content = new byte[300 * 1024];
    new Random(3).nextBytes(content);
    Digest digest = Digest.of(content);
    byte[] rotten = content.clone();
    rotten[1000] ^= 1;
    // A source that trusts the sink to verify (the sink says it does), as RegistryClient does.
    BlobPulls.Source trusting = new BlobPulls.Source() {
      @Override
      public Optional<Long> size() {
        return Optional.of((long) rotten.length);
      }

      @Override
      public void fetch(long size, BlobSink sink) throws IOException {
        assertTrue(sink.verifiesDigest());
        sink.write(rotten, 0, 1000); // a dropped connection, then a resume from where it stood
        sink.write(rotten, 1000, rotten.length - 1000);
      }
    };
    Received got = new Received();
    assertThrows(IOException.class, () -> pulls.pull(digest, trusting).orElseThrow().sendTo(got));
    assertTrue(got.size() < content.length, "the last byte is never sent");
    assertFalse(store.has(digest));
    try (var left = java.nio.file.Files.walk(tmp.resolve("store/.lading/tmp"))) {
      assertEquals(1, left.count(), "no temp file left behind");
    }
  }

  @Test
  void aBlobTheSourceLacksIsAbsent() throws Exception {
    BlobPulls pulls = new BlobPulls(Store.open(tmp.resolve("store")), line -> { });
    BlobPulls.Source none = new BlobPulls.Source() {
      @Override
      public Optional<Long> size() {
        return Optional.empty();
      }

      @Override
      public void fetch(long size, BlobSink sink) {
        throw new AssertionError("nothing to fetch");
      }
    };
    assertTrue(pulls.pull(Digest.of(new byte[] {1}), none).isEmpty());
  }
}
