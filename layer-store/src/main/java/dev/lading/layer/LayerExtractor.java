package dev.lading.layer;

import dev.lading.io.FileTrees;
import dev.lading.io.NonClosingInputStream;
import dev.lading.layer.EntryWriter.Meta;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Applies image layers, in order, onto a root directory, the way a container runtime stacks them, and
 * never touches anything outside that root whatever the tar holds.
 *
 * <p>Every entry name is cleaned lexically with chroot semantics ({@code ..} stops at the root, absolute
 * names are taken relative to it). Parent directories are then resolved component by component: a
 * symlink met on the way is followed as if the root were {@code /} (like securejoin), so an absolute,
 * relative or chained link that points "outside" lands inside the root instead. The last component is
 * never followed: whatever is there is removed and replaced ({@code O_EXCL} creation, NOFOLLOW metadata
 * calls). Hardlink targets are resolved the same way. Symlink targets are stored verbatim.
 *
 * <p>Whiteouts follow the OCI rule: {@code .wh.NAME} removes NAME as it was in the lower layers, and
 * {@code .wh..wh..opq} empties its directory of lower content; paths this layer itself creates are
 * kept whether they come before or after the whiteout.
 *
 * <p>With {@code preserveOwnership} (the default when running as root) owners are set with lchown and
 * device nodes are created. Without it, files belong to the extracting user, directories keep u+rwx and
 * files u+rw on disk so later steps can write them, device nodes become empty mode-0 placeholders, and
 * the intended type, mode and owner of every path go to an {@link OwnershipMap} sidecar for fakeroot,
 * kept in the file the caller names (nowhere by default).
 *
 * <p>Assumes nothing else changes the root while a layer is applied. Not thread-safe per root;
 * instances are immutable and may be shared.
 */
public final class LayerExtractor {
  /** Default limit on the uncompressed bytes one layer may expand to. */
  public static final long DEFAULT_MAX_BYTES = 64L << 30;
  /** Default limit on the number of entries in one layer. */
  public static final long DEFAULT_MAX_ENTRIES = 5_000_000;
  private static final int MAX_SYMLINKS = 255;
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  /** The charset this JVM writes file names in; a name it cannot hold is refused, never altered. */
  private static final Charset FILE_NAMES = fileNameCharset();

  private final boolean preserveOwnership;
  private final long maxBytes;
  private final long maxEntries;
  private final Path ownershipFile;

  private LayerExtractor(Builder b) {
    this.preserveOwnership = b.preserveOwnership;
    this.maxBytes = b.maxBytes;
    this.maxEntries = b.maxEntries;
    this.ownershipFile = b.ownershipFile;
  }

  /** A builder with the defaults: preserve ownership only when running as root. */
  public static Builder builder() {
    return new Builder();
  }

  /** True when owners are applied with lchown and device nodes are created. */
  public boolean preserveOwnership() {
    return preserveOwnership;
  }

  /**
   * Where an unprivileged extraction keeps its {@link OwnershipMap} between layers, if anywhere: a
   * file the caller chose (the RUN executor's work directory, or one the user asked for). Never a
   * default next to the root: a command must not write outside the directory it was given.
   */
  public Optional<Path> ownershipFile() {
    return Optional.ofNullable(ownershipFile);
  }

  /** What applying one layer did. */
  public record Applied(String layer, long entries, long uncompressedBytes, List<String> notes) {
    public Applied {
      notes = List.copyOf(notes);
    }
  }

  /** Applies the layer file (tar or tar.gz) onto {@code root}; the file name names it in errors. */
  public Applied apply(Path root, Path layerFile) throws IOException {
    try (InputStream in = Files.newInputStream(layerFile)) {
      return apply(root, in, layerFile.getFileName().toString());
    }
  }

  /**
   * Applies one layer (a tar or gzip-compressed tar, told apart by its magic bytes) onto {@code root},
   * which must exist. Reads {@code layer} to its end (so a digest computed while reading covers every
   * byte) and does not close it.
   *
   * @param layerName how errors name the layer (its digest, usually)
   * @throws LayerExtractionException naming the entry at fault
   */
  public Applied apply(Path root, InputStream layer, String layerName) throws IOException {
    Objects.requireNonNull(layerName, "layerName");
    if (!Files.isDirectory(root)) {
      throw new LayerExtractionException(layerName, null, "the root directory " + root + " does not exist");
    }
    Path realRoot = root.toRealPath();
    OwnershipMap ownership = preserveOwnership ? null
        : ownershipFile != null ? OwnershipMap.load(ownershipFile) : OwnershipMap.empty();
    Run run = new Run(realRoot, layerName, ownership);
    try {
      return apply(run, layer, layerName, ownership);
    } finally {
      run.writer.close(); // on failure, files may still be being written: wait for them
    }
  }

  private Applied apply(Run run, InputStream layer, String layerName, OwnershipMap ownership)
      throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(new NonClosingInputStream(layer), 64 * 1024);
    InputStream decompressed;
    try {
      decompressed = decompress(buffered, layerName);
    } catch (LayerExtractionException e) {
      throw e;
    } catch (IOException e) {
      throw new LayerExtractionException(layerName, null, "not a readable gzip or tar stream ("
          + describe(e) + "); the blob is corrupt or not a layer, pull it again");
    }
    LimitedInputStream tar = new LimitedInputStream(decompressed, maxBytes);
    try (ExactNameTarInputStream entries = new ExactNameTarInputStream(tar)) {
      for (TarArchiveEntry entry; (entry = nextEntry(entries, tar, layerName, run)) != null; ) {
        if (++run.entries > maxEntries) {
          throw new LayerExtractionException(layerName, null, "layer has more than " + maxEntries
              + " entries; raise the limit with LayerExtractor.builder().maxEntries(...) if the image"
              + " is trusted");
        }
        ExactNameTarInputStream.Names raw = entries.rawNames();
        String entryName = ExactNameTarInputStream.escape(raw.name());
        try {
          String name;
          String linkName;
          try {
            name = ExactNameTarInputStream.decode(raw.name(), FILE_NAMES);
            linkName = entry.isLink() || entry.isSymbolicLink()
                ? ExactNameTarInputStream.decode(raw.linkName(), FILE_NAMES) : "";
          } catch (IllegalArgumentException e) {
            throw new LayerExtractionException(layerName, entryName, e.getMessage());
          }
          run.entry(entry, name, linkName, entries,
              entries.localPaxRecord(ReproducibleLayer.CAPABILITY_RECORD));
        } catch (LayerExtractionException e) {
          throw e;
        } catch (IOException e) {
          throw tooLarge(tar, layerName)
              .orElseGet(() -> new LayerExtractionException(layerName, entryName, describe(e), e));
        }
      }
      // Read to the end so a digest taken by the caller covers the whole blob.
      try {
        tar.transferTo(OutputStream.nullOutputStream());
        layer.transferTo(OutputStream.nullOutputStream());
      } catch (LimitedInputStream.LimitExceeded e) {
        throw e;
      } catch (IOException e) {
        throw new LayerExtractionException(layerName, run.lastEntry, "unreadable data after the last"
            + " entry (" + describe(e) + "); the layer is corrupt or truncated, pull it again", e);
      }
    } catch (LimitedInputStream.LimitExceeded e) {
      throw tooLarge(tar, layerName).orElseThrow();
    }
    run.finish();
    if (ownership != null && ownershipFile != null) {
      run.ownershipMap().save(ownershipFile);
    }
    return new Applied(layerName, run.entries, tar.count(), run.notes);
  }

  private TarArchiveEntry nextEntry(ExactNameTarInputStream entries, LimitedInputStream tar,
      String layerName, Run run) throws IOException {
    try {
      return entries.getNextEntry();
    } catch (IOException e) {
      throw tooLarge(tar, layerName).orElseGet(() -> new LayerExtractionException(layerName,
          run.lastEntry, "unreadable tar after this entry: " + describe(e)
          + "; the layer is corrupt or truncated, pull it again", e));
    }
  }

  private Optional<LayerExtractionException> tooLarge(LimitedInputStream tar, String layer) {
    if (!tar.exceeded()) {
      return Optional.empty();
    }
    return Optional.of(new LayerExtractionException(layer, null, "layer expands beyond "
        + maxBytes + " bytes; raise the limit with LayerExtractor.builder().maxUncompressedBytes(...)"
        + " if the image is trusted"));
  }

  private static InputStream decompress(BufferedInputStream in, String layerName) throws IOException {
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (LayerCompression.isGzip(magic)) {
      // Inflate on another thread while this one creates files: the two overlap on a second core.
      return new ReadAheadInputStream(new GzipCompressorInputStream(in, true), layerName);
    }
    if (LayerCompression.isZstd(magic)) {
      // application/vnd.oci.image.layer.v1.tar+zstd: decoded on another thread too.
      return new ReadAheadInputStream(new io.airlift.compress.zstd.ZstdInputStream(in), layerName);
    }
    return in;
  }

  /** What went wrong, in words: a user reads this, so no Java class names. */
  static String describe(IOException e) {
    if (e instanceof java.io.EOFException) {
      return "the data ends too early";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(java.util.Locale.ROOT);
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return "an I/O error";
    }
    return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
  }

  /** The state of applying one layer. */
  private final class Run {
    private final Path root;
    private final String layer;
    private final TreeMap<String, Ownership> ownership;
    private final Set<String> upper = new HashSet<>();
    // Spare the lstats that dominate unpacking a base layer (one per parent component per entry,
    // one per entry): directories resolved by this run, by the parent names the tar gave, and the
    // directories this run created, which hold nothing but what this run put there (in upper).
    // Only this run changes the tree while it runs; both are forgotten whenever it deletes anything.
    private final Map<String, Path> resolvedDirectories = new HashMap<>();
    private final Set<Path> createdDirectories = new HashSet<>();
    private final Map<Path, Meta> directoryMeta = new LinkedHashMap<>();
    private final Map<Path, FileTime> parentMtimes = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final EntryWriter writer;
    private long entries;
    private String lastEntry;

    Run(Path root, String layer, OwnershipMap map) {
      this.root = root;
      this.layer = layer;
      this.ownership = map == null ? null : new TreeMap<>(map.entries());
      this.writer = new EntryWriter(layer, preserveOwnership, maxBytes, notes::add);
    }

    OwnershipMap ownershipMap() {
      return new OwnershipMap(OwnershipMap.VERSION, ownership);
    }

    /**
     * One entry; {@code capability} is its security.capability attribute from its PAX header (file
     * capabilities), or null. An unprivileged unpack cannot set it on disk: like the owner, it goes
     * into the ownership map, from which a RUN step's layer writes it again.
     */
    void entry(TarArchiveEntry e, String name, String linkName, InputStream data, byte[] capability)
        throws IOException {
      lastEntry = name;
      List<String> parts = LayerPaths.clean(name);
      if (parts.isEmpty()) {
        // The root itself: only its metadata may change; another type could turn it into a symlink.
        if (!e.isDirectory()) {
          throw fail(name, "refusing to replace the root directory with a non-directory entry");
        }
        directoryMeta.put(root, Meta.of(e, Kind.DIRECTORY));
        return;
      }
      String base = parts.get(parts.size() - 1);
      List<String> parentParts = parts.subList(0, parts.size() - 1);
      if (base.startsWith(WHITEOUT)) {
        writer.awaitAll(); // it removes what is on disk, so everything must be there
        whiteout(name, parentParts, base);
        return;
      }
      Kind kind = kindOf(e, name);
      Path dir = resolveDirectory(name, parentParts, true);
      Path path = dir.resolve(base);
      Path linkTarget = kind == null ? resolveHardlinkTarget(name, linkName) : null;
      if (writer.isPending(path)) {
        writer.awaitAll(); // the same path twice in one layer: the later one wins, after the first
      }
      BasicFileAttributes existing = createdDirectories.contains(dir)
          && !upper.contains(relative(path)) ? null : lstat(path);
      if (existing != null && !(existing.isDirectory() && kind == Kind.DIRECTORY)) {
        writer.awaitAll(); // files below a replaced directory may still be being written
        touch(dir);
        deleting();
        FileTrees.deleteTree(path);
        forget(path);
      }
      touch(dir);
      Meta meta = kind == null ? null : Meta.of(e, kind);
      if (kind == null) {
        Files.createLink(path, linkTarget);
        if (ownership != null) {
          Ownership of = ownership.get(key(linkTarget));
          if (of != null) {
            ownership.put(key(path), of);
          }
        }
      } else {
        switch (kind) {
          case FILE -> writer.file(path, e, data, meta, name);
          case DIRECTORY -> {
            if (existing == null || !existing.isDirectory()) {
              Files.createDirectory(path);
              createdDirectories.add(path);
            }
          }
          case SYMLINK -> writer.symlink(path, linkName, name);
          case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> writer.special(path, meta, name);
          default -> throw new AssertionError(kind);
        }
        if (kind == Kind.DIRECTORY) {
          // Applied when the layer is done, so creating children does not change the mtime
          // and a read-only mode does not block them.
          directoryMeta.put(path, meta);
        } else if (kind == Kind.FILE) {
          recordMeta(path, meta); // the writer sets the rest, maybe in the background
          if (capability != null && ownership != null) {
            ownership.computeIfPresent(key(path), (k, o) -> o.withCapability(capability));
          } else if (capability != null) {
            // Java writes only user.* attributes; said, never dropped silently.
            notes.add(name + ": its file capabilities (security.capability) are not set on disk;"
                + " set them with setcap, or unpack as a non-root user with --ownership-file to"
                + " record them");
          }
        } else {
          applyMeta(path, meta, name);
        }
      }
      markUpper(path);
    }

    /** The kind of a non-hardlink entry, or null for a hardlink. */
    private Kind kindOf(TarArchiveEntry e, String name) throws LayerExtractionException {
      if (e.isLink()) {
        return null;
      }
      if (e.isSymbolicLink()) {
        return Kind.SYMLINK;
      }
      if (e.isCharacterDevice()) {
        return Kind.CHAR_DEVICE;
      }
      if (e.isBlockDevice()) {
        return Kind.BLOCK_DEVICE;
      }
      if (e.isFIFO()) {
        return Kind.FIFO;
      }
      if (e.isDirectory()) {
        return Kind.DIRECTORY;
      }
      if (e.isFile() || e.isSparse()) {
        return Kind.FILE;
      }
      throw fail(name, "unsupported tar entry type '" + (char) e.getLinkFlag() + "'");
    }

    private void whiteout(String name, List<String> parentParts, String base) throws IOException {
      Path dir = resolveDirectory(name, parentParts, false);
      BasicFileAttributes dirAttrs = lstat(dir);
      if (dirAttrs == null || !dirAttrs.isDirectory()) {
        return; // nothing below to hide
      }
      if (base.equals(OPAQUE)) {
        removeLower(dir, true);
        return;
      }
      if (base.startsWith(WHITEOUT + WHITEOUT)) {
        notes.add("ignored AUFS metadata entry " + name);
        return;
      }
      String victim = base.substring(WHITEOUT.length());
      if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
        throw fail(name, "whiteout names no file");
      }
      Path target = dir.resolve(victim);
      if (lstat(target) != null) {
        removeLower(target, false);
      }
    }

    /** Removes {@code top} (or only its contents) except what this layer created. */
    private void removeLower(Path top, boolean keepTop) throws IOException {
      deleting();
      Files.walkFileTree(top, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
          if (d.equals(top) && keepTop) {
            return FileVisitResult.CONTINUE;
          }
          if (!upper.contains(relative(d))) {
            touch(d.getParent());
            FileTrees.deleteTree(d);
            forget(d);
            return FileVisitResult.SKIP_SUBTREE;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
          if (!upper.contains(relative(f))) {
            touch(f.getParent());
            Files.delete(f);
            forget(f);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    }

    /**
     * Resolves directory components inside the root with chroot semantics: symlinks are followed as
     * if the root were {@code /}, {@code ..} never climbs above it. Missing directories are created
     * when {@code create} is set; otherwise the rest is joined lexically.
     */
    private Path resolveDirectory(String name, List<String> parts, boolean create) throws IOException {
      String asked = String.join("/", parts);
      Path known = resolvedDirectories.get(asked);
      if (known != null) {
        return known;
      }
      Deque<String> todo = new ArrayDeque<>(parts);
      List<String> current = new ArrayList<>();
      int links = 0;
      boolean complete = true; // every component found or made a directory
      while (!todo.isEmpty()) {
        String part = todo.pop();
        if (part.isEmpty() || part.equals(".")) {
          continue;
        }
        if (part.equals("..")) {
          if (!current.isEmpty()) {
            current.remove(current.size() - 1);
          }
          continue;
        }
        Path candidate = join(current).resolve(part);
        if (writer.isPending(candidate)) {
          writer.awaitAll(); // a file written in the background, now named as a directory
        }
        BasicFileAttributes attrs = lstat(candidate);
        if (attrs == null) {
          if (create) {
            touch(candidate.getParent());
            Files.createDirectory(candidate);
            createdDirectories.add(candidate);
            markUpper(candidate);
            record(candidate, Ownership.of(Kind.DIRECTORY, 0755, 0, 0, 0, 0));
          }
          complete &= create;
          current.add(part);
        } else if (attrs.isSymbolicLink()) {
          if (++links > MAX_SYMLINKS) {
            throw fail(name, "too many levels of symbolic links in its parent directories");
          }
          String target = Files.readSymbolicLink(candidate).toString();
          if (target.startsWith("/")) {
            current.clear();
          }
          String[] targetParts = target.split("/");
          for (int i = targetParts.length - 1; i >= 0; i--) {
            todo.push(targetParts[i]);
          }
        } else if (attrs.isDirectory()) {
          current.add(part);
        } else if (create) {
          throw fail(name, "/" + relative(candidate) + " is not a directory in the layers below;"
              + " the layer is inconsistent");
        } else {
          complete = false;
          current.add(part);
        }
      }
      Path resolved = join(current);
      if (complete) {
        resolvedDirectories.put(asked, resolved);
      }
      return resolved;
    }

    /** What this run knew of the tree may be wrong once it deletes. */
    private void deleting() {
      resolvedDirectories.clear();
      createdDirectories.clear();
    }

    private Path resolveHardlinkTarget(String name, String linkName) throws IOException {
      List<String> parts = LayerPaths.clean(linkName);
      if (parts.isEmpty()) {
        throw fail(name, "hardlink to the root directory");
      }
      Path dir = resolveDirectory(name, parts.subList(0, parts.size() - 1), false);
      Path target = dir.resolve(parts.get(parts.size() - 1));
      if (writer.isPending(target)) {
        writer.awaitAll(); // a link needs its target complete
      }
      BasicFileAttributes attrs = lstat(target);
      if (attrs == null) {
        throw fail(name, "hardlink target '" + linkName + "' does not exist in the root; a hardlink"
            + " must point at a file extracted before it");
      }
      if (attrs.isDirectory()) {
        throw fail(name, "hardlink target '" + linkName + "' is a directory");
      }
      return target;
    }

    private void applyMeta(Path path, Meta meta, String name) throws IOException {
      writer.applyMeta(path, meta, name);
      recordMeta(path, meta);
    }

    private void recordMeta(Path path, Meta meta) {
      record(path, Ownership.of(meta.kind(), meta.mode(), meta.uid(), meta.gid(), meta.devMajor(),
          meta.devMinor()));
    }

    void finish() throws IOException {
      writer.awaitAll(); // directory times and modes come after their contents
      for (Map.Entry<Path, FileTime> parent : parentMtimes.entrySet()) {
        if (!directoryMeta.containsKey(parent.getKey()) && lstat(parent.getKey()) != null) {
          Files.getFileAttributeView(parent.getKey(), BasicFileAttributeView.class,
              LinkOption.NOFOLLOW_LINKS).setTimes(parent.getValue(), parent.getValue(), null);
        }
      }
      List<Map.Entry<Path, Meta>> dirs = new ArrayList<>(directoryMeta.entrySet());
      for (int i = dirs.size() - 1; i >= 0; i--) {
        Path dir = dirs.get(i).getKey();
        BasicFileAttributes attrs = lstat(dir);
        // A later entry of the same layer may have replaced the directory.
        if (attrs != null && attrs.isDirectory()) {
          try {
            applyMeta(dir, dirs.get(i).getValue(), "/" + relative(dir));
          } catch (IOException e) {
            throw new LayerExtractionException(layer, "/" + relative(dir), describe(e), e);
          }
        }
      }
    }

    /** Remembers a directory's mtime before this layer first changes its contents. */
    private void touch(Path dir) throws IOException {
      if (dir != null && !parentMtimes.containsKey(dir)) {
        BasicFileAttributes attrs = lstat(dir);
        if (attrs != null) {
          parentMtimes.put(dir, attrs.lastModifiedTime());
        }
      }
    }

    private void markUpper(Path path) {
      for (String rel = relative(path); !rel.isEmpty(); ) {
        if (!upper.add(rel)) {
          break;
        }
        int slash = rel.lastIndexOf('/');
        rel = slash < 0 ? "" : rel.substring(0, slash);
      }
    }

    private void record(Path path, Ownership o) {
      if (ownership != null) {
        ownership.put(key(path), o);
      }
    }

    private void forget(Path path) {
      if (ownership != null) {
        String key = key(path);
        ownership.remove(key);
        ownership.subMap(key + "/", key + "0").clear();
      }
    }

    private String key(Path path) {
      return "/" + relative(path);
    }

    private String relative(Path path) {
      return root.relativize(path).toString();
    }

    private Path join(List<String> parts) {
      return parts.isEmpty() ? root : root.resolve(String.join("/", parts));
    }

    private LayerExtractionException fail(String entry, String message) {
      return new LayerExtractionException(layer, entry, message);
    }
  }

  private static Charset fileNameCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (IllegalArgumentException e) {
      return StandardCharsets.US_ASCII; // unknown: accept only what every charset writes alike
    }
  }

  private static BasicFileAttributes lstat(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (java.nio.file.FileSystemException e) {
      // ENOTDIR: a component is a file, so nothing is there.
      if (e.getMessage() != null && e.getMessage().contains("Not a directory")) {
        return null;
      }
      throw e;
    }
  }


  /** Settings for a {@link LayerExtractor}. */
  public static final class Builder {
    private boolean preserveOwnership = runningAsRoot();
    private long maxBytes = DEFAULT_MAX_BYTES;
    private long maxEntries = DEFAULT_MAX_ENTRIES;
    private Path ownershipFile;

    private Builder() {}

    /**
     * True to chown for real and create device nodes (needs root); false to record intended owners in
     * the sidecar. Default: true exactly when running as root.
     */
    public Builder preserveOwnership(boolean value) {
      this.preserveOwnership = value;
      return this;
    }

    /** The most uncompressed bytes one layer may expand to (a guard against decompression bombs). */
    public Builder maxUncompressedBytes(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("maxUncompressedBytes must be positive");
      }
      this.maxBytes = value;
      return this;
    }

    /** The most entries one layer may have. */
    public Builder maxEntries(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("maxEntries must be positive");
      }
      this.maxEntries = value;
      return this;
    }

    /**
     * Where to keep the ownership sidecar of an unprivileged extraction (loaded before and saved after
     * each layer); by default there is none and the intended owners are not kept.
     */
    public Builder ownershipFile(Path file) {
      this.ownershipFile = file;
      return this;
    }

    public LayerExtractor build() {
      return new LayerExtractor(this);
    }

    private static boolean runningAsRoot() {
      try {
        // /proc/self belongs to the effective user of this process.
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return uid instanceof Integer i && i == 0;
      } catch (IOException | UnsupportedOperationException e) {
        return false;
      }
    }
  }
}
