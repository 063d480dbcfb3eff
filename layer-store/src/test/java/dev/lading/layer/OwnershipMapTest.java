package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.model.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnershipMapTest {
  @TempDir Path tmp;

  private static OwnershipMap sample() {
    TreeMap<String, Ownership> entries = new TreeMap<>();
    entries.put("/", Ownership.of(Kind.DIRECTORY, 0755, 0, 0, 0, 0));
    entries.put("/dev/null", Ownership.of(Kind.CHAR_DEVICE, 0666, 0, 0, 1, 3));
    entries.put("/etc/sh\"adow\\", Ownership.of(Kind.FILE, 04640, 0, 42, 0, 0));
    entries.put("/tmp/\u00e9t\u00e9\n\u0001", Ownership.of(Kind.SYMLINK, 0777, 4294967294L, 65534, 0, 0));
    return new OwnershipMap(OwnershipMap.VERSION, entries);
  }

  @Test
  void handWrittenJsonIsWhatJacksonWrites() {
    OwnershipMap map = sample();
    assertArrayEquals(Json.write(map), map.toJson());
    assertArrayEquals(Json.write(OwnershipMap.empty()), OwnershipMap.empty().toJson());
  }

  @Test
  void savedMapsLoadBackEqual() throws Exception {
    Path file = tmp.resolve("ownership.json");
    sample().save(file);
    assertEquals(sample(), OwnershipMap.load(file));
    assertEquals(sample(), Json.read(Files.readAllBytes(file), OwnershipMap.class, "test"));
    OwnershipMap.empty().saveTemporary(file);
    assertEquals(OwnershipMap.empty(), OwnershipMap.load(file));
    assertTrue(Files.list(tmp).count() == 1, "no temp files left");
  }

  @Test
  void anUnchangedFileIsNotReadAgain() throws Exception {
    Path file = tmp.resolve("ownership.json");
    sample().saveTemporary(file);
    assertSame(OwnershipMap.load(file), OwnershipMap.load(file));
  }

  @Test
  void aFileChangedBehindItsBackIsReadAgain() throws Exception {
    Path file = tmp.resolve("ownership.json");
    sample().saveTemporary(file);
    OwnershipMap.load(file);
    // Replaced by another writer (a new inode), and then rewritten in place (same inode, new size).
    Path other = tmp.resolve("other.json");
    Files.write(other, Json.write(OwnershipMap.empty()));
    Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);
    assertEquals(OwnershipMap.empty(), OwnershipMap.load(file));
    Files.write(file, new String(Json.write(sample()), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
    assertEquals(sample(), OwnershipMap.load(file));
    Files.delete(file);
    assertEquals(OwnershipMap.empty(), OwnershipMap.load(file));
  }
}
