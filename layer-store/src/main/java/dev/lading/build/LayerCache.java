package dev.lading.build;

import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import dev.lading.layer.LayerEntry;
import dev.lading.layer.LayerResult;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Remembers which layer blob a set of layer inputs produced, so an unchanged layer is neither
 * re-tarred nor re-compressed. The key covers every entry (in-layer path, type, mode, owner, mtime,
 * link target) and, for files, the source path with its size and modification time; any change to
 * an input changes the key. Entries live in the store's {@code layers} cache directory, one JSON file per key, and
 * are trusted only while their blob is still in the store.
 */
public final class LayerCache {
  // 2: Jib's rules for directories, modes and parent mtimes changed the bytes built from the same inputs.
  private static final String VERSION = "lading-layer-cache-2";

  private final Store store;
  private final Path dir;

  public LayerCache(Store store) {
    this.store = store;
    this.dir = store.workAreas().cacheDirectory("layers");
  }

  /** The cache key of a layer made of {@code entries} with these settings. */
  public static Digest key(String name, List<LayerEntry> entries, Instant mtime, int compressionLevel)
      throws IOException {
    MessageDigest md = Digest.newSha256();
    line(md, VERSION, name, mtime.toString(), Integer.toString(compressionLevel));
    for (LayerEntry e : entries) {
      line(md, e.path(), e.type().name(), Integer.toOctalString(e.mode()), Long.toString(e.uid()),
          Long.toString(e.gid()), e.uname(), e.gname(), String.valueOf(e.mtime()),
          String.valueOf(e.linkTarget()), contentKey(e.content()));
    }
    return Digest.fromRaw(md.digest());
  }

  private static String contentKey(LayerEntry.Content content) throws IOException {
    if (content == null) {
      return "-";
    }
    if (content instanceof LayerEntry.Content.OfPath p) {
      BasicFileAttributes a = Files.readAttributes(p.source(), BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      // Size and mtime with full precision, as build tools' up-to-date checks do.
      return p.source() + "|" + a.size() + "|" + a.lastModifiedTime().toInstant() + "|" + a.fileKey();
    }
    try (InputStream in = content.open()) {
      return "bytes:" + Digest.of(in);
    }
  }

  private static void line(MessageDigest md, String... fields) {
    for (String f : fields) {
      md.update(f.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
    }
    md.update((byte) '\n');
  }

  /** The layer built earlier from the same inputs, if its blob is still in the store. */
  public Optional<LayerResult> get(Digest key) throws IOException {
    byte[] json;
    try {
      json = Files.readAllBytes(dir.resolve(key.hex() + ".json"));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    LayerResult result;
    try {
      result = Json.read(json, LayerResult.class, "layer cache entry");
    } catch (InvalidImageException e) {
      return Optional.empty(); // a damaged entry only costs a rebuild
    }
    return store.has(result.digest()) ? Optional.of(result) : Optional.empty();
  }

  /** Remembers {@code result} for {@code key} (atomically; concurrent writers write the same value). */
  public void put(Digest key, LayerResult result) throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.replace(dir.resolve(key.hex() + ".json"), Json.write(result));
  }
}
