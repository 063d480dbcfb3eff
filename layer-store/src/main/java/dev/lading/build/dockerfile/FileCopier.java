package dev.lading.build.dockerfile;

import dev.lading.dockerfile.ChmodFlag;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.layer.RootPaths;
import dev.lading.layer.RootfsDiff;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Puts COPY and ADD sources into a stage's root file system as a root build would (buildah's
 * layers are the reference), recording owners and modes in the ownership map because the building
 * user cannot set them on disk. What decides them is where an item comes from ({@link Origin}).
 * Directories the copy has to make for its destination belong to 0:0 (or the {@code --chown}
 * owner) with mode 0755, whatever {@code --chmod} says. On disk files stay writable by the
 * building user, as the extractor leaves them, so later steps can change them. Modification times
 * are the source's, as Docker keeps them.
 */
final class FileCopier {
  /** Where copied items come from, which decides their owner and mode. */
  enum Origin {
    /**
     * The build context: 0:0 (or {@code --chown}), the file's mode (or {@code --chmod}) without its
     * set-user-ID and set-group-ID bits, as buildah and Docker since 19.03 copy from a context.
     */
    CONTEXT,
    /**
     * An earlier stage or an image ({@code COPY --from}): the owner and mode the source records
     * there (or {@code --chown}, {@code --chmod}).
     */
    STAGE,
    /** A tar that ADD extracts: the owner and mode each entry records; --chown and --chmod do not apply. */
    ARCHIVE
  }

  private static final int SET_ID_BITS = 06000;

  private final Path rootfs;
  private final TreeMap<String, Ownership> owners;
  private final Long uid;
  private final Long gid;
  private final ChmodFlag chmod;
  private Path stageRoot;

  /**
   * @param uid the owner of what is copied ({@code --chown}), null for the {@link Origin}'s owner
   * @param chmod the mode of what is copied, or how to change it ({@code --chmod}), null for the
   *     {@link Origin}'s mode
   */
  FileCopier(Path rootfs, OwnershipMap ownership, Long uid, Long gid, ChmodFlag chmod) {
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
    return RootPaths.directory(rootfs, path, this::recordCreated);
  }

  /**
   * Makes the WORKDIR {@code path} when missing, as the WORKDIR instruction does: owned by root,
   * 0755, whatever --chown and --chmod say.
   */
  void workdir(String path) throws IOException {
    RootPaths.directory(rootfs, path, created -> {
      try {
        put(created, Kind.DIRECTORY, 0755, 0, 0);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** True when in-image {@code path} is a directory (symlinks followed inside the root). */
  boolean isDirectory(String path) throws IOException {
    return RootPaths.resolve(rootfs, path).map(Files::isDirectory).orElse(false);
  }

  /**
   * Copies a file or symlink to in-image path {@code target} (its parent is created when missing);
   * {@code recorded} is what its origin records of it (for {@link Origin#STAGE}), or null.
   */
  void copyFile(Path source, String target, Origin origin, Ownership recorded) throws IOException {
    int slash = target.lastIndexOf('/');
    Path dir = directory(slash <= 0 ? "/" : target.substring(0, slash));
    copyOne(source, dir.resolve(target.substring(slash + 1)), origin, recorded);
  }

  /**
   * The root file system a {@link Origin#STAGE} copy reads from (its real path): links a RUN step
   * made there hold its host path, which a copy leaves out. Null for the other origins.
   */
  FileCopier from(Path stageRoot) {
    this.stageRoot = stageRoot;
    return this;
  }

  /** Writes {@code bytes} as a file at in-image path {@code target} (mode 0644 unless --chmod). */
  void writeFile(byte[] bytes, String target) throws IOException {
    int slash = target.lastIndexOf('/');
    Path dir = directory(slash <= 0 ? "/" : target.substring(0, slash));
    Path file = dir.resolve(target.substring(slash + 1));
    replaceNonDirectory(file);
    Files.write(file, bytes);
    finish(file, Kind.FILE, 0644, Origin.CONTEXT, null);
  }

  /**
   * Copies the contents of directory {@code source} into in-image directory {@code target}, leaving
   * out what {@code excluded} says (relative paths, {@code /}-separated); {@code recorded} gives the
   * owner and mode a path (relative to {@code source}, with a leading {@code /}) has where it comes
   * from (an earlier stage, an extracted archive), or is null.
   */
  void copyTree(Path source, String target, Function<String, Inclusion> inclusion, Origin origin,
      Function<String, Ownership> recorded) throws IOException {
    Path top = directory(target);
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      /** Whether a directory was left out with something in it still to come. */
      private boolean parentsMayBeMissing;
      /** The {@link Inclusion#PARENT} directories around the walk's position, and whether made. */
      private final java.util.ArrayDeque<PendingParent> pendingParents = new java.util.ArrayDeque<>();
      /**
       * The copy of each file with several links met so far, by its inode: files linked in the
       * source are linked in the copy, as buildah and BuildKit copy a tree (not across sources).
       */
      private final Map<Object, Path> copiedInodes = new HashMap<>();

      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        String rel = source.relativize(dir).toString();
        if (rel.isEmpty()) {
          return FileVisitResult.CONTINUE;
        }
        switch (inclusion.apply(rel)) {
          case SKIP:
            return FileVisitResult.SKIP_SUBTREE;
          case ONLY_CONTENTS:
            parentsMayBeMissing = true;
            return FileVisitResult.CONTINUE;
          case PARENT:
            pendingParents.addLast(new PendingParent(dir, rel));
            return FileVisitResult.CONTINUE;
          default:
            copy(dir, rel);
            return FileVisitResult.CONTINUE;
        }
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
        if (failure != null) {
          throw failure;
        }
        if (!pendingParents.isEmpty() && pendingParents.peekLast().dir.equals(dir)) {
          pendingParents.removeLast();
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String rel = source.relativize(file).toString();
        if (inclusion.apply(rel) != Inclusion.COPY) {
          return FileVisitResult.CONTINUE;
        }
        Object inode = attrs.isRegularFile() && attrs.fileKey() != null
            && (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1
            ? attrs.fileKey() : null;
        Path first = inode == null ? null : copiedInodes.get(inode);
        if (first != null) {
          link(first, rel);
        } else {
          Path to = copy(file, rel);
          if (inode != null) {
            copiedInodes.put(inode, to);
          }
        }
        return FileVisitResult.CONTINUE;
      }

      private Path copy(Path item, String rel) throws IOException {
        Path to = destination(rel);
        copyOne(item, to, origin, recorded == null ? null : recorded.apply("/" + rel));
        return to;
      }

      private void link(Path first, String rel) throws IOException {
        Path to = destination(rel);
        replaceNonDirectory(to);
        if (Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException("cannot copy " + rel + " onto the directory /" + rootfs.relativize(to));
        }
        Files.createLink(to, first);
        owners.put(key(to), owners.get(key(first)));
      }

      /** Where {@code rel} goes, its parent made when a left-out directory did not make it. */
      private Path destination(String rel) throws IOException {
        for (PendingParent parent : pendingParents) { // outermost first
          if (!parent.made) {
            copyOne(parent.dir, top.resolve(parent.rel), origin,
                recorded == null ? null : recorded.apply("/" + parent.rel));
            parent.made = true;
          }
        }
        Path to = top.resolve(rel);
        if (parentsMayBeMissing && !Files.isDirectory(to.getParent(), LinkOption.NOFOLLOW_LINKS)) {
          directory(key(to.getParent())); // made as a destination directory is, not copied
        }
        return to;
      }
    });
  }

  /** A {@link Inclusion#PARENT} directory of a tree copy, made once something in it is copied. */
  private static final class PendingParent {
    final Path dir;
    final String rel;
    boolean made;

    PendingParent(Path dir, String rel) {
      this.dir = dir;
      this.rel = rel;
    }
  }

  /** What a tree copy does with one path of the source. */
  enum Inclusion {
    COPY,
    SKIP,
    /**
     * A directory left out (by .dockerignore) that may hold something let back in (a {@code !}
     * pattern): not copied, but made, as a destination directory is, when something in it is.
     */
    ONLY_CONTENTS,
    /**
     * A directory on the way to what is copied ({@code COPY --parents}): copied, with its owner and
     * mode, only when something in it is.
     */
    PARENT
  }

  private void copyOne(Path source, Path target, Origin origin, Ownership recorded) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int rawMode = (Integer) Files.getAttribute(source, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    int mode = rawMode & 07777;
    Kind special = specialKind(rawMode, recorded);
    if (special != null) {
      copySpecial(source, target, special, attrs, origin, recorded, mode);
    } else if (attrs.isDirectory()) {
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        replaceNonDirectory(target);
        Files.createDirectory(target);
      }
      Files.setLastModifiedTime(target, attrs.lastModifiedTime());
      finish(target, Kind.DIRECTORY, mode, origin, recorded);
    } else if (attrs.isSymbolicLink() || attrs.isRegularFile()) {
      replaceNonDirectory(target);
      refuseDirectory(source, target);
      String onDisk = attrs.isSymbolicLink() ? Files.readSymbolicLink(source).toString() : null;
      String inImage = onDisk != null && origin == Origin.STAGE && stageRoot != null
          ? RootfsDiff.containerTarget(stageRoot, onDisk) : onDisk;
      if (inImage != null && !inImage.equals(onDisk)) {
        Files.createSymbolicLink(target, Path.of(inImage)); // fakechroot's prefix left out
      } else {
        Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
      }
      if (attrs.isSymbolicLink()) {
        // A link keeps its source's time too (Files.copy leaves it at now), so that copying a link
        // over the same link is no change, as for buildah.
        Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .setTimes(attrs.lastModifiedTime(), null, null);
      }
      finish(target, attrs.isSymbolicLink() ? Kind.SYMLINK : Kind.FILE, mode, origin, recorded);
    } else {
      String shown = stageRoot != null && source.startsWith(stageRoot)
          ? "/" + stageRoot.relativize(source) : source.toString();
      throw new IOException(shown + " is a socket; COPY takes files, directories, symlinks, FIFOs and"
          + " devices");
    }
  }

  /**
   * The FIFO or device {@code source} is, else null. A device made without privileges (by fakeroot
   * in a RUN, or by an unprivileged unpack) is an empty placeholder file on disk: its stage's or
   * image's record says what it is.
   */
  private static Kind specialKind(int rawMode, Ownership recorded) {
    if (recorded != null && (recorded.type() == Kind.FIFO || recorded.type() == Kind.CHAR_DEVICE
        || recorded.type() == Kind.BLOCK_DEVICE)) {
      return recorded.type();
    }
    return switch (rawMode & 0170000) {
      case 0010000 -> Kind.FIFO;
      case 0020000 -> Kind.CHAR_DEVICE;
      case 0060000 -> Kind.BLOCK_DEVICE;
      default -> null;
    };
  }

  /**
   * Copies a FIFO as a FIFO and a device as a device, as buildah does: on disk a new FIFO, or an
   * empty placeholder for a device (which only root may make), and in the record its kind, owner,
   * mode and device numbers. Never opened: opening a FIFO waits for a writer.
   */
  private void copySpecial(Path source, Path target, Kind kind, BasicFileAttributes attrs, Origin origin,
      Ownership recorded, int sourceMode) throws IOException {
    replaceNonDirectory(target);
    refuseDirectory(source, target);
    int major = 0;
    int minor = 0;
    if (kind != Kind.FIFO && recorded != null && recorded.type() == kind) {
      major = recorded.devMajor();
      minor = recorded.devMinor();
    } else if (kind != Kind.FIFO) {
      long rdev = (Long) Files.getAttribute(source, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
      major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
      minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
    }
    java.time.Instant time = attrs.lastModifiedTime().toInstant();
    if (kind == Kind.FIFO) {
      makeFifo(target, time);
    } else {
      Files.createFile(target);
      Files.setLastModifiedTime(target, attrs.lastModifiedTime());
    }
    finish(target, kind, sourceMode, origin, recorded);
    if (major != 0 || minor != 0) {
      Ownership o = owners.get(key(target));
      owners.put(key(target), Ownership.of(kind, o.permissions(), o.uid(), o.gid(), major, minor));
    }
  }

  /** A FIFO at {@code path} with mode 0600 (the record holds the intended one) and mtime {@code time}. */
  private void makeFifo(Path path, java.time.Instant time) throws IOException {
    List<String> command = List.of("sh", "-c", "mkfifo -m 0600 -- \"$1\" && touch -h -d \"$2\" -- \"$1\"",
        "sh", path.toString(), "@" + time.getEpochSecond() + "." + String.format("%09d", time.getNano()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("cannot make the FIFO " + key(path) + ": " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while making a FIFO");
    }
  }

  /** Fails when a non-directory would be copied onto the directory {@code target}. */
  private void refuseDirectory(Path source, Path target) throws IOException {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("cannot copy " + source.getFileName() + " onto the directory /"
          + rootfs.relativize(target) + "; end the destination with / to copy into it");
    }
  }

  private static void replaceNonDirectory(Path target) throws IOException {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(target);
    }
  }

  /**
   * Records the intended owner and mode of a copied item (see {@link Origin}), and leaves the disk
   * writable for the building user.
   */
  private void finish(Path path, Kind kind, int sourceMode, Origin origin, Ownership recorded)
      throws IOException {
    int mode;
    long owner;
    long group;
    if (origin == Origin.ARCHIVE && recorded != null) {
      mode = recorded.permissions();
      owner = recorded.uid();
      group = recorded.gid();
    } else {
      int source = recorded != null ? recorded.permissions()
          : origin == Origin.CONTEXT ? sourceMode & ~SET_ID_BITS : sourceMode;
      mode = chmod != null ? chmod.apply(source, kind == Kind.DIRECTORY) : source;
      owner = uid != null ? uid : recorded != null ? recorded.uid() : 0;
      group = gid != null ? gid : recorded != null ? recorded.gid() : 0;
    }
    put(path, kind, mode, owner, group);
    if (kind == Kind.FILE && recorded != null && recorded.capability() != null) {
      // A file's capabilities go with it, --chown and --chmod or not, as buildah copies them.
      owners.computeIfPresent(key(path), (k, o) -> o.withCapability(recorded.capabilityBytes()));
    }
  }

  /** A directory made for the destination: the copy's owner, mode 0755 (never --chmod's). */
  private void recordCreated(Path created) {
    try {
      put(created, Kind.DIRECTORY, 0755, uid != null ? uid : 0, gid != null ? gid : 0);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void put(Path path, Kind kind, int mode, long owner, long group) throws IOException {
    // The JDK's chmod opens the file first, which for a FIFO waits for a writer: it keeps mkfifo's
    // 0600, and the record holds its mode.
    if (kind != Kind.SYMLINK && kind != Kind.FIFO) {
      int disk = kind == Kind.DIRECTORY ? mode | 0700 : mode | 0600;
      Files.setAttribute(path, "unix:mode", disk & 07777, LinkOption.NOFOLLOW_LINKS);
    }
    owners.put(key(path), Ownership.of(kind, kind == Kind.SYMLINK ? 0777 : mode, owner, group, 0, 0));
  }

  private String key(Path path) {
    String rel = rootfs.relativize(path).toString();
    return rel.isEmpty() ? "/" : "/" + rel;
  }
}
