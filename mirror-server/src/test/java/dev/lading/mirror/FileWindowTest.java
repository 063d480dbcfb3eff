package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The window never lets a reader past its end, whichever way the bytes are taken. */
class FileWindowTest {
  @TempDir Path tmp;

  private final byte[] content = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

  @Test
  void transferStopsAtTheEndAndLeavesTheFileOpen() throws IOException {
    Path file = Files.write(tmp.resolve("growing"), content);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      FileWindow window = new FileWindow(channel, 4, 15);
      assertEquals(4, window.position());
      assertEquals(15, window.size());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long sent = window.transferTo(4, 1000, Channels.newChannel(out));
      assertEquals(11, sent);
      assertArrayEquals(Arrays.copyOfRange(content, 4, 15), out.toByteArray());
      assertEquals(0, window.transferTo(15, 10, Channels.newChannel(out)));
      window.close();
      assertEquals(content.length, channel.size(), "the file stays open");
    }
  }

  @Test
  void readsStopAtTheEnd() throws IOException {
    Path file = Files.write(tmp.resolve("growing"), content);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        FileWindow window = new FileWindow(channel, 2, 7)) {
      ByteBuffer buffer = ByteBuffer.allocate(64);
      assertEquals(5, window.read(buffer));
      assertArrayEquals(Arrays.copyOfRange(content, 2, 7), Arrays.copyOf(buffer.array(), 5));
      assertEquals(-1, window.read(buffer));
      assertEquals(64 - 5, buffer.remaining(), "the buffer's limit is restored");
      ByteBuffer two = ByteBuffer.allocate(2);
      assertEquals(2, window.read(two, 5));
      assertEquals(-1, window.read(two.clear(), 7));
    }
  }
}
