package dev.lading.store;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The refs of a store and the {@code index.json} generated from them.
 *
 * <p>Why two representations: OCI tools (skopeo, umoci, containerd) find images only through
 * {@code index.json}, but one shared file is a poor source of truth for a mirror with thousands of
 * tags written by several processes: a read-modify-write of it by two processes at once would lose
 * one update unless every writer held a lock for the whole cycle, and a torn update would lose all
 * refs. So each ref is one small file under {@code .lading/refs/} (replaced atomically, O(1) per
 * change), and {@code index.json} is regenerated from all ref files under an exclusive lock after
 * each change. Whoever regenerates last has read every ref file written before it, so concurrent
 * changes of different refs are never lost; a crash between the two steps is repaired by fsck.
 */
final class RefStore {
  private static final String SUFFIX = ".ref";
  /** Longer escaped names are replaced by a hash, to stay far below the 255-byte file name limit. */
  private static final int MAX_FILE_NAME = 200;
  private static final int MAX_REF_NAME = 1024;

  private final Layout layout;

  RefStore(Layout layout) {
    this.layout = layout;
  }

  /** The content of a ref file: the name is stored too, because long names are hashed. */
  @JsonPropertyOrder({"name", "descriptor"})
  record RefFile(String name, Descriptor descriptor) {}

  /** index.json: an OCI image index. */
  @JsonPropertyOrder({"schemaVersion", "mediaType", "manifests"})
  record OciIndex(int schemaVersion, String mediaType, List<Descriptor> manifests) {
    static OciIndex of(List<Descriptor> manifests) {
      return new OciIndex(2, MediaTypes.OCI_INDEX, manifests);
    }
  }

  /** Something that must hold for each target before its ref is written (it is stored). */
  interface TargetCheck {
    void check(Digest digest) throws IOException;
  }

  /**
   * Sets refs, each validated and checked under a gc lease, then written under the index lock;
   * {@code index.json} is rebuilt only when a ref really changed (or the index lacks it): setting a
   * ref to what it already is, the common case of a rebuild or a re-pull, rewrites nothing.
   */
  void setAll(Map<String, Descriptor> targets, TargetCheck stored) throws IOException {
    targets.forEach((name, target) -> {
      validateName(name);
      Objects.requireNonNull(target, "descriptor of ref " + name);
      validateTarget(name, target);
    });
    try (ProcessLocks.Held lease = ProcessLocks.JVM.acquire(layout.leaseLock(), true)) {
      for (Descriptor target : targets.values()) {
        stored.check(target.digest());
      }
      try (ProcessLocks.Held lock = ProcessLocks.JVM.acquire(layout.indexLock(), false)) {
        boolean stale = false;
        for (Map.Entry<String, Descriptor> e : targets.entrySet()) {
          stale |= write(e.getKey(), e.getValue()) || !indexNames(e.getKey(), e.getValue());
          LastUse.record(file(e.getKey())); // setting a ref to what it was is a use too
        }
        if (stale) {
          regenerateIndex();
        }
      }
    }
  }

  /** Removes a ref under the index lock and rebuilds the index; false when there was none. */
  boolean remove(String name) throws IOException {
    validateName(name);
    try (ProcessLocks.Held lock = ProcessLocks.JVM.acquire(layout.indexLock(), false)) {
      boolean existed = delete(name);
      regenerateIndex();
      return existed;
    }
  }

  static void validateName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a ref name must not be empty");
    }
    if (name.length() > MAX_REF_NAME) {
      throw new IllegalArgumentException("ref name is longer than " + MAX_REF_NAME + " characters: "
          + name.substring(0, 60) + "...");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("ref name contains a control character: '"
            + name.replaceAll("\\p{Cntrl}", "?") + "'");
      }
    }
  }

  static void validateTarget(String name, Descriptor target) {
    String type = target.mediaType();
    if (!MediaTypes.isIndex(type) && !MediaTypes.isImageManifest(type)) {
      throw new IllegalArgumentException("ref " + name + " must point to an image manifest or index,"
          + " not to a blob of type " + type);
    }
  }

  /**
   * A file name for a ref: readable percent-escaping of everything except {@code [A-Za-z0-9._-]}
   * (a leading dot is escaped too), or {@code ~<sha256 of the name>} when that would be too long.
   */
  static String fileName(String name) {
    StringBuilder out = new StringBuilder();
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < utf8.length; i++) {
      int b = utf8[i] & 0xff;
      boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
          || b == '_' || b == '-' || (b == '.' && i > 0);
      if (plain) {
        out.append((char) b);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    // '~' is always escaped above, so hashed names cannot collide with escaped ones.
    String escaped = out.length() + SUFFIX.length() > MAX_FILE_NAME
        ? "~" + Digest.ofUtf8(name).hex() : out.toString();
    return escaped + SUFFIX;
  }

  Path file(String name) {
    return layout.refs().resolve(fileName(name));
  }

  Optional<Descriptor> read(String name) throws IOException {
    validateName(name);
    Path file = file(name);
    try {
      return Optional.of(readFile(file).descriptor());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  List<StoreRef> all() throws IOException {
    List<StoreRef> refs = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(layout.refs(), "*" + SUFFIX)) {
      for (Path file : files) {
        if (file.getFileName().toString().startsWith(".")) {
          continue; // a temp file
        }
        try {
          RefFile ref = readFile(file);
          refs.add(new StoreRef(ref.name(), ref.descriptor()));
        } catch (NoSuchFileException deletedMeanwhile) {
          // deleted by a concurrent deleteRef
        }
      }
    }
    Collections.sort(refs);
    return refs;
  }

  private static RefFile readFile(Path file) throws IOException {
    RefFile ref;
    try {
      ref = Json.read(Files.readAllBytes(file), RefFile.class, "ref file " + file);
    } catch (RuntimeException e) {
      throw new IOException(e.getMessage() + "; delete the file and set the ref again", e);
    }
    if (ref.name() == null || ref.descriptor() == null) {
      throw new IOException("ref file " + file + " has no name or descriptor; delete it and set the"
          + " ref again");
    }
    return ref;
  }

  /** Caller holds the index lock. */
  /**
   * Points ref {@code name} at {@code target}.
   *
   * @return false when the ref already pointed there, so nothing changed (and index.json need not be
   *     regenerated: re-pulling a cached tag or rebuilding an unchanged image is then O(1))
   */
  boolean write(String name, Descriptor target) throws IOException {
    return AtomicFiles.writeIfChanged(file(name), Json.write(new RefFile(name, stripRefName(target))));
  }

  /** Caller holds the index lock. */
  boolean delete(String name) throws IOException {
    boolean existed = Files.deleteIfExists(file(name));
    if (existed) {
      AtomicFiles.syncDirectory(layout.refs());
    }
    return existed;
  }

  /**
   * True when index.json names {@code name} with {@code target}'s digest: after a crash between a
   * ref file and index.json, repeating the same setRef must still repair the index.
   */
  boolean indexNames(String name, Descriptor target) throws IOException {
    JsonNode manifests;
    try {
      manifests = Json.mapper().readTree(Files.readAllBytes(layout.index())).path("manifests");
    } catch (NoSuchFileException absent) {
      return false;
    } catch (IOException unreadable) {
      return false;
    }
    for (JsonNode m : manifests) {
      if (name.equals(m.path("annotations").path(Descriptor.REF_NAME).asText(null))
          && target.digest().toString().equals(m.path("digest").asText(null))) {
        return true;
      }
    }
    return false;
  }

  /** The index.json bytes the current refs call for. */
  byte[] indexBytes() throws IOException {
    List<Descriptor> manifests = new ArrayList<>();
    for (StoreRef ref : all()) {
      Map<String, String> annotations = new TreeMap<>();
      if (ref.descriptor().annotations() != null) {
        annotations.putAll(ref.descriptor().annotations());
      }
      annotations.put(Descriptor.REF_NAME, ref.name());
      manifests.add(ref.descriptor().withAnnotations(annotations));
    }
    return Json.write(OciIndex.of(manifests));
  }

  /**
   * Rewrites index.json from the ref files when it differs. Caller holds the index lock.
   *
   * @return true when the file was rewritten
   */
  boolean regenerateIndex() throws IOException {
    return AtomicFiles.writeIfChanged(layout.index(), indexBytes());
  }

  /**
   * Makes the refs directory when it is missing. When the layout was made by another tool (skopeo
   * copy, umoci), its named index.json entries become refs, so Lading does not drop them at the
   * next regeneration. Caller holds the index lock.
   */
  void adoptIndexIfNeeded() throws IOException {
    if (Files.isDirectory(layout.refs())) {
      return;
    }
    // Build the directory aside and rename it in, so a crash cannot leave half the refs adopted.
    Path staging = layout.privateDir().resolve("refs-" + UUID.randomUUID() + AtomicFiles.TMP_SUFFIX);
    Files.createDirectories(staging);
    try {
      if (Files.isRegularFile(layout.index())) {
        adoptInto(staging);
      }
      AtomicFiles.move(staging, layout.refs());
      AtomicFiles.syncDirectory(layout.privateDir());
    } finally {
      if (Files.isDirectory(staging)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
          for (Path f : files) {
            Files.deleteIfExists(f);
          }
        }
        Files.deleteIfExists(staging);
      }
    }
  }

  private void adoptInto(Path staging) throws IOException {
    try {
      JsonNode index = Json.mapper().readTree(Files.readAllBytes(layout.index()));
      JsonNode manifests = index == null ? null : index.get("manifests");
      if (manifests == null || !manifests.isArray()) {
        return;
      }
      for (JsonNode entry : manifests) {
        Descriptor d = Json.mapper().treeToValue(entry, Descriptor.class);
        String name = d.annotation(Descriptor.REF_NAME);
        if (name != null && !name.isEmpty()) {
          AtomicFiles.write(staging.resolve(fileName(name)),
              Json.write(new RefFile(name, stripRefName(d))));
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(layout.index() + " is not a valid OCI image index (" + e.getMessage()
          + "); fix it, or remove it to start with no refs", e);
    }
  }

  /** The ref name lives in the ref file; a copy in the annotations would only drift. */
  private static Descriptor stripRefName(Descriptor d) {
    if (d.annotation(Descriptor.REF_NAME) == null) {
      return d;
    }
    Map<String, String> annotations = new TreeMap<>(d.annotations());
    annotations.remove(Descriptor.REF_NAME);
    return d.withAnnotations(annotations.isEmpty() ? null : annotations);
  }
}
