package dev.lading.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class DigestTest {
  private static final String EMPTY =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void hashesKnownContent() throws Exception {
    assertEquals(EMPTY, Digest.of(new byte[0]).toString());
    assertEquals(EMPTY, Digest.of(new ByteArrayInputStream(new byte[0])).toString());
  }

  @Test
  void parsesAndRoundTrips() {
    Digest d = Digest.parse(EMPTY);
    assertEquals(EMPTY, d.toString());
    assertEquals("e3b0c44298fc", d.shortHex());
    assertEquals(d, Digest.ofHex(d.hex()));
  }

  @Test
  void rejectsMalformedDigestsWithAClearMessage() {
    var e = assertThrows(IllegalArgumentException.class, () -> Digest.parse("e3b0c442"));
    assertTrue(e.getMessage().contains("expected sha256:"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Digest.parse("md5:abc"));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse(EMPTY.toUpperCase()));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse(EMPTY + "0"));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:../../etc/passwd"));
    assertFalse(Digest.isDigest("latest"));
  }

  @Test
  void streamsDigestWhatPassesThrough() throws Exception {
    byte[] data = "hello".getBytes();
    var out = new DigestingOutputStream(new ByteArrayOutputStream());
    out.write(data);
    assertEquals(Digest.of(data), out.digest());
    assertEquals(5, out.count());
    var in = new DigestingInputStream(new ByteArrayInputStream(data));
    in.skip(2);
    in.readAllBytes();
    assertEquals(Digest.of(data), in.digest());
  }
}
