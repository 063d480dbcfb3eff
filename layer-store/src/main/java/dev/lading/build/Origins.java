package dev.lading.build;

import dev.lading.digest.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Where the store's absent blobs can be fetched from: for each base-image layer that a build
 * referenced without downloading it, the {@code registry/repository} names it came from. Kept in
 * {@code .lading/origins/<hex>} (one name a line) next to the OCI layout, so a later push can mount
 * or fetch the blob, and a later export can fetch it.
 */
public final class Origins {
  private final Path dir;

  private Origins(Path dir) {
    this.dir = dir;
  }

  /** The origin records of the store rooted at {@code storeRoot}. */
  public static Origins of(Path storeRoot) {
    return new Origins(storeRoot.resolve(".lading").resolve("origins"));
  }

  /**
   * Records that {@code digest} can be fetched from {@code hostRepository} ({@code host[:port]/repo}).
   * Concurrent builds may add at the same time: a lost update only loses a redundant origin, since
   * each writer re-reads and writes the union atomically.
   */
  public void add(Digest digest, String hostRepository) throws IOException {
    Set<String> known = get(digest);
    if (known.contains(hostRepository)) {
      return;
    }
    Set<String> all = new LinkedHashSet<>(known);
    all.add(hostRepository);
    Files.createDirectories(dir);
    Path file = dir.resolve(digest.hex());
    Path tmp = dir.resolve("." + digest.hex() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(tmp, (String.join("\n", all) + "\n").getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The names {@code digest} was seen at, oldest first; empty when unknown. */
  public Set<String> get(Digest digest) throws IOException {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(digest.hex()), StandardCharsets.UTF_8);
      Set<String> result = new LinkedHashSet<>();
      for (String line : lines) {
        if (!line.isBlank()) {
          result.add(line.trim());
        }
      }
      return Collections.unmodifiableSet(result);
    } catch (NoSuchFileException e) {
      return Set.of();
    }
  }

  /** Splits {@code host[:port]/repo/sitory} into host and repository. */
  static String[] split(String hostRepository) {
    int slash = hostRepository.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException("bad origin '" + hostRepository + "' (expected host/repository)");
    }
    return new String[] {hostRepository.substring(0, slash), hostRepository.substring(slash + 1)};
  }
}
