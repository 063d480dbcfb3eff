package dev.lading.build.dockerfile;

import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.layer.RootPaths;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Puts COPY and ADD sources into a stage's root file system as a root build would: new files and
 * directories belong to 0:0 (or the {@code --chown} owner) with the source's mode (or
 * {@code --chmod}), recorded in the ownership map because the building user cannot set them on
 * disk. On disk files stay writable by that user, as the extractor leaves them, so later steps can
 * change them. Modification times are the source's, as Docker keeps them.
 */
final class FileCopier {
  private final Path rootfs;
  private final TreeMap<String, Ownership> owners;
  private final Long uid;
  private final Long gid;
  private final Integer chmod;

  /**
   * @param uid the owner of what is copied, null for 0 (or, with {@link #copyTree} from an
   *     extraction, the owners it recorded)
   * @param chmod the mode of what is copied, null to keep each source's
   */
  FileCopier(Path rootfs, OwnershipMap ownership, Long uid, Long gid, Integer chmod) {
    this.rootfs = rootfs;
    this.owners = new TreeMap<>(ownership.entries());
    this.uid = uid;
    this.gid = gid;
    this.chmod = chmod;
  }

  /** The ownership map with what was copied. */
  OwnershipMap ownership() {
    return new OwnershipMap(OwnershipMap.VERSION, owners);
  }

  /** The host path of in-image directory {@code path}, created (as the copy's owner) when missing. */
  Path directory(String path) throws IOException {
    return RootPaths.directory(rootfs, path, created -> record(created, Kind.DIRECTORY, 0755, null));
  }

  /** True when in-image {@code path} is a directory (symlinks followed inside the root). */
  boolean isDirectory(String path) throws IOException {
    return RootPaths.resolve(rootfs, path).map(Files::isDirectory).orElse(false);
  }

  /** Copies a file or symlink to in-image path {@code target} (its parent is created when missing). */
  void copyFile(Path source, String target) throws IOException {
    int slash = target.lastIndexOf('/');
    Path dir = directory(slash <= 0 ? "/" : target.substring(0, slash));
    copyOne(source, dir.resolve(target.substring(slash + 1)), null);
  }

  /** Writes {@code bytes} as a file at in-image path {@code target} (mode 0644 unless --chmod). */
  void writeFile(byte[] bytes, String target) throws IOException {
    int slash = target.lastIndexOf('/');
    Path dir = directory(slash <= 0 ? "/" : target.substring(0, slash));
    Path file = dir.resolve(target.substring(slash + 1));
    replaceNonDirectory(file);
    Files.write(file, bytes);
    finish(file, Kind.FILE, 0644, null);
  }

  /**
   * Copies the contents of directory {@code source} into in-image directory {@code target}, leaving
   * out what {@code excluded} says (relative paths, {@code /}-separated); {@code recorded} gives the
   * owner and mode a path had where it came from (an extracted archive), or null.
   */
  void copyTree(Path source, String target, Predicate<String> excluded,
      Function<String, Ownership> recorded) throws IOException {
    Path top = directory(target);
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        String rel = source.relativize(dir).toString();
        if (rel.isEmpty()) {
          return FileVisitResult.CONTINUE;
        }
        if (excluded.test(rel)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        copyOne(dir, top.resolve(rel), recorded == null ? null : recorded.apply("/" + rel));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String rel = source.relativize(file).toString();
        if (!excluded.test(rel)) {
          copyOne(file, top.resolve(rel), recorded == null ? null : recorded.apply("/" + rel));
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private void copyOne(Path source, Path target, Ownership recorded) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) Files.getAttribute(source, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    if (attrs.isDirectory()) {
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        replaceNonDirectory(target);
        Files.createDirectory(target);
      }
      Files.setLastModifiedTime(target, attrs.lastModifiedTime());
      finish(target, Kind.DIRECTORY, mode, recorded);
    } else if (attrs.isSymbolicLink() || attrs.isRegularFile()) {
      replaceNonDirectory(target);
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("cannot copy " + source.getFileName() + " onto the directory /"
            + rootfs.relativize(target) + "; end the destination with / to copy into it");
      }
      Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
      finish(target, attrs.isSymbolicLink() ? Kind.SYMLINK : Kind.FILE, mode, recorded);
    } else {
      throw new IOException(source + " is a special file (device, FIFO or socket); COPY takes files,"
          + " directories and symlinks");
    }
  }

  private static void replaceNonDirectory(Path target) throws IOException {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(target);
    }
  }

  /** Records the intended owner and mode, and leaves the disk writable for the building user. */
  private void finish(Path path, Kind kind, int sourceMode, Ownership recorded) throws IOException {
    int mode = chmod != null ? chmod : recorded != null ? recorded.permissions() : sourceMode;
    long owner = uid != null ? uid : recorded != null ? recorded.uid() : 0;
    long group = gid != null ? gid : recorded != null ? recorded.gid() : 0;
    if (kind != Kind.SYMLINK) {
      int disk = kind == Kind.DIRECTORY ? mode | 0700 : mode | 0600;
      Files.setAttribute(path, "unix:mode", disk & 07777, LinkOption.NOFOLLOW_LINKS);
    }
    owners.put(key(path), Ownership.of(kind, kind == Kind.SYMLINK ? 0777 : mode, owner, group, 0, 0));
  }

  private void record(Path created, Kind kind, int mode, Ownership recorded) {
    try {
      finish(created, kind, mode, recorded);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String key(Path path) {
    String rel = rootfs.relativize(path).toString();
    return rel.isEmpty() ? "/" : "/" + rel;
  }
}
