package dev.lading.layer;

import dev.lading.io.FileTrees;
import dev.lading.layer.EntryWriter.Meta;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Applying one layer's entries onto a root directory, for {@link LayerExtractor} (which reads the
 * stream, decodes names and enforces limits): paths resolved with chroot semantics, whiteouts,
 * replaced paths, directory metadata applied last, and the ownership record of an unprivileged
 * unpack. One instance per layer and root; not thread-safe.
 */
final class LayerApplication implements Closeable {
  private static final int MAX_SYMLINKS = 255;
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

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

  /**
   * @param root the real path of the root directory
   * @param map the ownership record to start from and keep up to date, or null when owners are set
   *     on disk ({@code preserveOwnership})
   */
  LayerApplication(Path root, String layer, OwnershipMap map, boolean preserveOwnership, long maxBytes) {
    this.root = root;
    this.layer = layer;
    this.ownership = map == null ? null : new TreeMap<>(map.entries());
    this.writer = new EntryWriter(layer, preserveOwnership, maxBytes, notes::add);
  }

  /** Counts one more entry; returns the count so far. */
  long countEntry() {
    return ++entries;
  }

  long entries() {
    return entries;
  }

  /** The name of the entry applied last, for errors about what follows it. */
  String lastEntry() {
    return lastEntry;
  }

  List<String> notes() {
    return notes;
  }

  /** Waits for files still being written (also after a failure), then lets the writer go. */
  @Override
  public void close() throws IOException {
    writer.close();
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
          throw new LayerExtractionException(layer, "/" + relative(dir), LayerExtractor.describe(e), e);
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
}
