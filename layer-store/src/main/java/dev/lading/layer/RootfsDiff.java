package dev.lading.layer;

import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.layer.RootfsSnapshot.Stat;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a build step changed in a root file system, as the entries of its layer: what it added or
 * changed (files, directories whose contents changed, links) with the directories above them, what
 * it deleted as whiteouts (one for a deleted directory, none for its contents), hardlinks as
 * hardlinks, and owners and modes as the
 * image intends them (from the {@link OwnershipMap} when the tree was extracted without privileges,
 * where what is on disk belongs to the building user).
 *
 * <p>fakechroot stores an absolute symlink target with the host path of the root in front (a step
 * that runs {@code ln -s /etc/x y} leaves {@code y -> /tmp/build/rootfs/etc/x}): that prefix is
 * taken off, so the layer holds what the command wrote.
 */
public final class RootfsDiff {
  private static final String WHITEOUT = ".wh.";

  private RootfsDiff() {}

  /**
   * What changed.
   *
   * @param entries the layer's entries (changed paths and whiteouts)
   * @param notes what could not go into the layer (sockets), for the log
   */
  public record Result(List<LayerEntry> entries, List<String> notes) {
    public Result {
      entries = List.copyOf(entries);
      notes = List.copyOf(notes);
    }

    /** True when the step changed nothing. */
    public boolean isEmpty() {
      return entries.isEmpty();
    }
  }

  /**
   * The changes from {@code before} to {@code after}, two snapshots of the same root.
   *
   * @param ownershipBefore the intended owners before the step, null when the disk's are real
   * @param ownershipAfter the intended owners after it, null when the disk's are real
   * @param timestamp when not null (SOURCE_DATE_EPOCH), every entry's mtime is clamped to it
   */
  public static Result between(RootfsSnapshot before, RootfsSnapshot after, OwnershipMap ownershipBefore,
      OwnershipMap ownershipAfter, Instant timestamp) {
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
    Path root = after.root();
    Map<String, Stat> was = before.entries();
    Map<String, Stat> is = after.entries();
    List<LayerEntry> entries = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    // First what changed, then hardlinks among it: a link to a file this layer does not hold is
    // written as a file, as buildah does (a layer cannot count on a lower layer's inode).
    Map<String, Stat> changedPaths = new java.util.TreeMap<>();
    for (Map.Entry<String, Stat> e : is.entrySet()) {
      String path = e.getKey();
      Stat now = e.getValue();
      if (path.equals("/")) {
        continue; // the root's own metadata is not part of a layer
      }
      Stat old = was.get(path);
      if (old != null && RootfsSnapshot.isMountPoint(path)) {
        continue; // a runtime mounts over it: what a step did there is not the image's
      }
      Ownership ownerNow = ownershipAfter == null ? null : ownershipAfter.entries().get(path);
      Ownership ownerOld = ownershipBefore == null ? null : ownershipBefore.entries().get(path);
      if (old != null && !changed(old, now) && Objects.equals(ownerOld, ownerNow)) {
        continue;
      }
      if (now.kind() == null) {
        notes.add("left out the socket " + path + ": a layer cannot hold sockets");
        continue;
      }
      if (path.substring(path.lastIndexOf('/') + 1).startsWith(WHITEOUT)) {
        // Every reader of the layer would take it for a deletion, and the file would be gone.
        throw new IllegalArgumentException("the step made " + path + ", and a name starting with " + WHITEOUT
            + " cannot be stored in a layer (it marks a deletion): give it another name");
      }
      changedPaths.put(path, now);
    }
    Map<RootfsSnapshot.Inode, String> firstPathOfInode = firstPathsOfInodes(changedPaths);
    for (Map.Entry<String, Stat> e : changedPaths.entrySet()) {
      String path = e.getKey();
      Stat now = e.getValue();
      Ownership ownerNow = ownershipAfter == null ? null : ownershipAfter.entries().get(path);
      String first = now.kind() != Kind.DIRECTORY && now.nlink() > 1 ? firstPathOfInode.get(now.inode()) : null;
      LayerEntry entry = first != null && !first.equals(path)
          ? LayerEntry.hardlink(path, first)
          : entry(root, path, now, ownerNow);
      entry = owned(entry, now, ownerNow);
      Instant mtime = now.mtime().toInstant();
      entries.add(entry.withMtime(timestamp != null && mtime.isAfter(timestamp) ? timestamp : mtime));
    }
    for (String path : was.keySet()) {
      if (is.containsKey(path)) {
        continue; // still there (if as another type, its new entry replaces the old)
      }
      String parent = parent(path);
      if (!is.containsKey(parent) || is.get(parent).kind() != Kind.DIRECTORY) {
        continue; // its parent went too (or was replaced): one whiteout higher up covers it
      }
      String name = path.substring(path.lastIndexOf('/') + 1);
      LayerEntry whiteout = LayerEntry.file((parent.equals("/") ? "" : parent) + "/" + WHITEOUT + name,
          new byte[0]).withMode(0);
      entries.add(whiteout.withMtime(timestamp != null ? timestamp : Instant.EPOCH));
    }
    // Every changed path's parents go in too, as they are now, as buildah (containers/storage) writes
    // them: a runtime then applies their modes and owners even if a lower layer differs.
    java.util.Set<String> present = new java.util.HashSet<>();
    entries.forEach(e -> present.add(e.path()));
    for (LayerEntry e : List.copyOf(entries)) {
      for (String parent = parent(e.path()); !parent.equals("/") && present.add(parent);
          parent = parent(parent)) {
        Stat dir = is.get(parent);
        if (dir == null || dir.kind() != Kind.DIRECTORY) {
          break;
        }
        Ownership owner = ownershipAfter == null ? null : ownershipAfter.entries().get(parent);
        Instant mtime = dir.mtime().toInstant();
        entries.add(owned(LayerEntry.directory(parent), dir, owner)
            .withMtime(timestamp != null && mtime.isAfter(timestamp) ? timestamp : mtime));
      }
    }
    return new Result(entries, notes);
  }

  /**
   * Whether a path changed on disk: its type, inode, mode, size, mtime or link target, as
   * containers/storage compares them. Not its ctime: a new hardlink elsewhere moves the ctime of a
   * file the step did not change. A directory changes only by its type or mode (its owner is
   * compared by the caller), not by size, mtime or inode: a file made and removed inside it (dpkg's
   * updates/, a temp file in /tmp) leaves it as it was; what did change inside brings it in as a
   * parent.
   */
  private static boolean changed(Stat old, Stat now) {
    if (old.kind() == Kind.DIRECTORY && now.kind() == Kind.DIRECTORY) {
      return old.mode() != now.mode();
    }
    return old.kind() != now.kind() || !old.inode().equals(now.inode()) || old.mode() != now.mode()
        || old.size() != now.size() || !old.mtime().equals(now.mtime())
        || !Objects.equals(old.linkTarget(), now.linkTarget());
  }

  /**
   * For each inode with several links among {@code is}, the path that sorts first: hardlinks point
   * there. Any type but a directory, as containers/storage links them: a hardlinked symlink or FIFO
   * stays one inode.
   */
  private static Map<RootfsSnapshot.Inode, String> firstPathsOfInodes(Map<String, Stat> is) {
    Map<RootfsSnapshot.Inode, String> first = new HashMap<>();
    for (Map.Entry<String, Stat> e : is.entrySet()) {
      Stat s = e.getValue();
      if (s.kind() != Kind.DIRECTORY && s.nlink() > 1) {
        first.merge(s.inode(), e.getKey(),
            (a, b) -> ReproducibleLayer.comparePaths(a, b) <= 0 ? a : b);
      }
    }
    return first;
  }

  private static LayerEntry entry(Path root, String path, Stat now, Ownership owner) {
    Kind kind = owner != null && isPlaceholderOf(owner, now) ? owner.type() : now.kind();
    return switch (kind) {
      case FILE -> LayerEntry.file(path, root.resolve(path.substring(1)));
      case DIRECTORY -> LayerEntry.directory(path);
      case SYMLINK -> LayerEntry.symlink(path, containerTarget(root, now.linkTarget()));
      case FIFO -> LayerEntry.fifo(path);
      case CHAR_DEVICE, BLOCK_DEVICE -> LayerEntry.device(path, kind == Kind.BLOCK_DEVICE,
          owner != null ? owner.devMajor() : 0, owner != null ? owner.devMinor() : 0);
    };
  }

  /** An empty file on disk that the ownership map says is a device (an unprivileged mknod). */
  private static boolean isPlaceholderOf(Ownership owner, Stat now) {
    return (owner.type() == Kind.CHAR_DEVICE || owner.type() == Kind.BLOCK_DEVICE)
        && now.kind() == Kind.FILE && now.size() == 0;
  }

  private static LayerEntry owned(LayerEntry entry, Stat now, Ownership owner) {
    if (entry.type() == LayerEntry.Type.SYMLINK) {
      return owner == null ? entry : entry.withOwner(owner.uid(), owner.gid());
    }
    if (owner == null) {
      return entry.withMode(now.mode());
    }
    LayerEntry owned = entry.withMode(owner.permissions()).withOwner(owner.uid(), owner.gid());
    return owner.capability() != null && entry.type() == LayerEntry.Type.FILE
        ? owned.withCapability(owner.capabilityBytes()) : owned;
  }

  /**
   * A symlink's target as the image sees it: without the host path of {@code root} (the root's real
   * path) that fakechroot puts in front of an absolute target.
   */
  public static String containerTarget(Path root, String target) {
    String prefix = root.toString();
    if (target.equals(prefix)) {
      return "/";
    }
    if (target.startsWith(prefix + "/")) {
      return target.substring(prefix.length());
    }
    return target;
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }
}
