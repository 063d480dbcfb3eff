package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelGzipOutputStreamTest {
  private static final int BLOCK = ParallelGzipOutputStream.BLOCK_SIZE;
  private static final ExecutorService FOUR = Executors.newFixedThreadPool(4);

  @TempDir Path tmp;

  @AfterAll
  static void stop() {
    FOUR.shutdownNow();
  }

  /** Half text (repeats across block borders, so the dictionary matters), half random bytes. */
  private static byte[] data(int size, long seed) {
    byte[] b = new byte[size];
    Random random = new Random(seed);
    byte[] line = "a line of text that comes back again and again, number ".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < size; i++) {
      b[i] = (i / 4096) % 2 == 0 ? line[i % line.length] : (byte) random.nextInt();
    }
    return b;
  }

  private static byte[] compress(byte[] input, int level, ExecutorService pool, int threads, int chunk)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = pool == null
        ? new ParallelGzipOutputStream(out, level, Runnable::run, 1)
        : new ParallelGzipOutputStream(out, level, pool, threads)) {
      for (int at = 0; at < input.length; at += chunk) {
        int n = Math.min(chunk, input.length - at);
        if (n == 1) {
          gz.write(input[at]);
        } else {
          gz.write(input, at, n);
        }
        if (at % (3 * chunk) == 0) {
          gz.flush(); // flushes must not change the bytes
        }
      }
    }
    return out.toByteArray();
  }

  private static byte[] gunzipJdk(byte[] gz) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  private static byte[] gunzipCommons(byte[] gz) throws IOException {
    try (GzipCompressorInputStream in = new GzipCompressorInputStream(new ByteArrayInputStream(gz), false)) {
      return in.readAllBytes();
    }
  }

  @Test
  void roundTripsAtBlockBordersAndEveryLevel() throws IOException {
    for (int size : new int[] {0, 1, 1000, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 3 * BLOCK + BLOCK / 2}) {
      byte[] input = data(size, size);
      for (int level : new int[] {Deflater.DEFAULT_COMPRESSION, 0, 1, 9}) {
        byte[] gz = compress(input, level, FOUR, 4, 64 * 1024);
        String what = size + " bytes at level " + level;
        assertArrayEquals(input, gunzipJdk(gz), what);
        // One member: a reader that stops after the first member still gets everything.
        assertArrayEquals(input, gunzipCommons(gz), what);
      }
    }
  }

  @Test
  void bytesDoNotDependOnThreadsWriteSizesOrFlushes() throws IOException {
    byte[] input = data(5 * BLOCK + 12345, 7);
    byte[] inline = compress(input, Deflater.DEFAULT_COMPRESSION, null, 1, 1 << 20);
    assertArrayEquals(inline, compress(input, Deflater.DEFAULT_COMPRESSION, FOUR, 4, 8192));
    assertArrayEquals(inline, compress(input, Deflater.DEFAULT_COMPRESSION, FOUR, 1, 3 * BLOCK));
    byte[] small = data(70_000, 3);
    assertArrayEquals(compress(small, 6, null, 1, 70_000), compress(small, 6, FOUR, 4, 1));
  }

  @Test
  void headerIsFixedAndTrailerHoldsCrcAndSize() throws IOException {
    byte[] input = data(BLOCK + 5, 11);
    byte[] gz = compress(input, 9, FOUR, 4, 4096);
    assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, (byte) 255},
        Arrays.copyOf(gz, 10), "magic, deflate, no flags, mtime 0, XFL 2 (level 9), OS 255");
    CRC32 crc = new CRC32();
    crc.update(input);
    int n = gz.length;
    long storedCrc = (gz[n - 8] & 0xffL) | (gz[n - 7] & 0xffL) << 8 | (gz[n - 6] & 0xffL) << 16 | (gz[n - 5] & 0xffL) << 24;
    long storedSize = (gz[n - 4] & 0xffL) | (gz[n - 3] & 0xffL) << 8 | (gz[n - 2] & 0xffL) << 16 | (gz[n - 1] & 0xffL) << 24;
    assertEquals(crc.getValue(), storedCrc);
    assertEquals(input.length, storedSize);
  }

  @Test
  void blocksShareTheirDictionarySoRepeatsAcrossBordersStaySmall() throws IOException {
    // 1 MiB of random bytes, then its last 16 KiB again at the start of the next block: without the
    // previous block's tail as dictionary the second block could not refer back and would cost
    // another 16 KiB; with it, the repeat is nearly free.
    byte[] first = new byte[BLOCK];
    new Random(5).nextBytes(first);
    byte[] input = new byte[BLOCK + 16 * 1024];
    System.arraycopy(first, 0, input, 0, BLOCK);
    System.arraycopy(first, BLOCK - 16 * 1024, input, BLOCK, 16 * 1024);
    byte[] gz = compress(input, 6, FOUR, 4, 65536);
    assertArrayEquals(input, gunzipJdk(gz));
    assertTrue(gz.length < BLOCK + 4 * 1024, "compressed size " + gz.length);
  }

  @Test
  void theGzipToolAcceptsIt() throws IOException {
    RequiredTool.require("gzip", "gzip");
    byte[] input = data(2 * BLOCK + 99, 13);
    Path file = tmp.resolve("x.gz");
    Files.write(file, compress(input, Deflater.DEFAULT_COMPRESSION, FOUR, 4, 100_000));
    Processes.check(List.of("gzip", "-t", file.toString()), 60);
    Processes.check(List.of("gzip", "-d", file.toString()), 60);
    assertArrayEquals(input, Files.readAllBytes(tmp.resolve("x")));
  }

  @Test
  void aFailingDestinationFailsTheWriteAndCloseDoesNotHang() {
    OutputStream broken = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("disk full");
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw new IOException("disk full");
      }
    };
    byte[] input = data(20 * BLOCK, 17);
    IOException e = assertThrows(IOException.class, () -> {
      try (OutputStream gz = new ParallelGzipOutputStream(broken, 1, FOUR, 4)) {
        gz.write(input);
      }
    });
    assertEquals("disk full", e.getMessage());
  }

  @Test
  void refusesBadLevelsAndWritesAfterClose() throws IOException {
    assertThrows(IllegalArgumentException.class, () -> new ParallelGzipOutputStream(OutputStream.nullOutputStream(), 10));
    OutputStream gz = new ParallelGzipOutputStream(OutputStream.nullOutputStream(), 6);
    gz.close();
    gz.close(); // twice is fine
    assertThrows(IOException.class, () -> gz.write(1));
  }
}
