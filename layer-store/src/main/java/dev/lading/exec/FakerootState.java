package dev.lading.exec;

import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Carries the owners and modes an image intends across unprivileged steps. Before a step the
 * {@link OwnershipMap} (keyed by path) becomes fakeroot's state (keyed by device and inode); after
 * it, fakeroot's saved state and the tree on disk give the new map: what the step chowned or
 * chmodded comes from fakeroot, what it deleted is gone, and what it created belongs to whoever a
 * container would have made it as (see {@link #created}). Plain proot records nothing, so after its
 * steps only the tree is read.
 */
final class FakerootState {
  private FakerootState() {}

  /** One line of fakeroot's state file. */
  private record Entry(int mode, long uid, long gid, long rdev) {}

  /**
   * The tree before a step: fakeroot's starting state is keyed by its inodes, and the map after the
   * step tells by them what the step created. The caller's walk when it has one; null when the spec
   * keeps no map and there is none.
   */
  static RootfsSnapshot treeBefore(RunSpec spec, Path root) throws IOException {
    return spec.ownershipFile() == null || spec.current() != null ? spec.current() : RootfsSnapshot.take(root);
  }

  /**
   * fakeroot's starting state for a step ({@code before} keyed by {@code beforeTree}'s inodes), in a
   * new file beside the spec's ownership map (the caller's work directory), never in the root; the
   * caller deletes it.
   */
  static Path writeStart(RunSpec spec, Path root, OwnershipMap before, RootfsSnapshot beforeTree)
      throws IOException {
    Path dir = spec.ownershipFile() != null ? spec.ownershipFile().toAbsolutePath().getParent() : root.getParent();
    Path state = Files.createTempFile(dir, ".fakeroot-", ".state");
    try {
      Files.writeString(state, before.toFakerootSaveFile(root, beforeTree));
      return state;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(state);
      throw e;
    }
  }

  /**
   * After a step whose spec keeps an ownership map: the tree read, the map for the next step saved
   * beside the spec's (see {@link #after}), and the tree handed to {@code afterRun}.
   */
  static void recordStep(RunSpec spec, Path root, RootfsSnapshot beforeTree, OwnershipMap before,
      Path stateFile, Map<RootfsSnapshot.Inode, long[]> chowns, ImageUser user,
      java.util.function.Consumer<RootfsSnapshot> afterRun) throws IOException {
    if (spec.ownershipFile() == null) {
      return;
    }
    RootfsSnapshot tree = RootfsSnapshot.take(root);
    after(tree, beforeTree, before, stateFile, chowns, user.uid(), user.gid()).saveTemporary(spec.ownershipFile());
    afterRun.accept(tree);
  }

  /**
   * The map after a step, from the tree as the step left it ({@code tree}) and as it was before
   * ({@code beforeTree}, whose paths {@code before} describes); {@code stateFile} is fakeroot's saved
   * state, null for proot; {@code chowns} the ids {@link OwnerLog} saw a step under plain proot give
   * each inode (-1: unchanged); {@code uid} and {@code gid} are the user the step ran as. The contents of
   * /dev, /proc and /sys, which a snapshot leaves out and no step changes on disk (the executors show
   * the host's there), keep what they had.
   */
  static OwnershipMap after(RootfsSnapshot tree, RootfsSnapshot beforeTree, OwnershipMap before,
      Path stateFile, Map<RootfsSnapshot.Inode, long[]> chowns, long uid, long gid) throws IOException {
    Map<RootfsSnapshot.Inode, Entry> state = stateFile == null ? Map.of() : read(stateFile);
    // What each file that was there before the step was (by inode: a new hardlink to it shares it).
    Map<RootfsSnapshot.Inode, Old> old = new HashMap<>();
    beforeTree.entries().forEach((key, stat) -> {
      Ownership o = before.entries().get(key);
      if (o != null) {
        old.putIfAbsent(stat.inode(), new Old(o, stat.ctime(), stat.mode(), key));
      }
    });
    TreeMap<String, Ownership> entries = new TreeMap<>();
    before.entries().forEach((key, o) -> {
      if (RootfsSnapshot.isMountPointContent(key)) {
        entries.put(key, o);
      }
    });
    // Sorted paths: a directory comes before what is in it, so its new state is known by then.
    tree.entries().forEach((key, stat) -> {
      int diskMode = (stat.kind() == null ? SOCKET : stat.kind().typeBits()) | stat.mode();
      Entry faked = state.get(stat.inode());
      Old was = old.get(stat.inode());
      // A new file the file system gave a deleted one's inode number: fakeroot was handed every
      // file there was and forgets one only when it is deleted, so one it forgot that changed is
      // new; without fakeroot (proot), one whose old path is gone and that is not at that path.
      // And a file whose type changed (a deleted file's inode made a directory) is always new.
      // A file at a new path whose old path is gone was made anew there (or moved: it keeps what
      // fakeroot recorded of a chown).
      boolean moved = was != null && !was.path().equals(key)
          && !stat.inode().equals(inodeAt(tree, was.path()));
      boolean reused = was != null && (was.ownership().type() != kindOnDisk(diskMode, was.ownership())
          || moved
          || (stateFile != null && faked == null && !was.ctime().equals(stat.ctime())));
      Ownership previous = was == null || reused ? null : was.ownership();
      Ownership now;
      if (previous != null && faked != null) {
        now = Ownership.of(kind(faked.mode()), faked.mode(), faked.uid(), faked.gid(),
            major(faked.rdev()), minor(faked.rdev()));
        if (previous.capability() != null && previous.uid() == now.uid() && previous.gid() == now.gid()) {
          // Kept as the kernel keeps them: a chown clears a file's capabilities, a chmod does not.
          now = now.withCapability(previous.capabilityBytes());
        }
      } else if (previous != null && previous.type() == kindOnDisk(diskMode, previous)) {
        // Untouched by the step, or (proot records nothing, its chmod is real) chmodded on disk.
        now = stateFile == null && was.diskMode() != stat.mode() && stat.kind() != null
            ? Ownership.of(previous.type(), stat.mode(), previous.uid(), previous.gid(),
                previous.devMajor(), previous.devMinor()).withCapability(previous.capabilityBytes())
            : previous;
      } else {
        now = created(entries.get(parent(key)), faked, diskMode, uid, gid);
      }
      long[] chowned = chowns.get(stat.inode());
      if (chowned != null) {
        // A chown the owner log saw: it clears the file's capabilities, as the kernel's does.
        now = Ownership.of(now.type(), now.permissions(), chowned[0] >= 0 ? chowned[0] : now.uid(),
            chowned[1] >= 0 ? chowned[1] : now.gid(), now.devMajor(), now.devMinor());
      }
      entries.put(key, now);
    });
    return new OwnershipMap(OwnershipMap.VERSION, entries);
  }

  /**
   * A file the step made, as the kernel would have owned it in a container: by the step's user, with
   * the user's group, or the directory's group where the directory is set-group-ID (a directory made
   * there is set-group-ID too). Neither shows on disk here: everything is the real user's, and
   * fakeroot leaves the set-group-ID bit off the real directory. What fakeroot recorded wins where it
   * can only come from a chown or chgrp: an owner or group other than 0, which is also what it records
   * for a new file it first saw through mkdir or chmod. (So an explicit {@code chgrp 0} of a new file
   * in a set-group-ID directory is not told apart from the default; a step not run as root cannot do
   * it in a container.)
   */
  private static Ownership created(Ownership parent, Entry faked, int diskMode, long uid, long gid) {
    boolean inherits = parent != null && parent.type() == Kind.DIRECTORY
        && (parent.permissions() & SET_GROUP_ID) != 0;
    int mode = faked != null ? faked.mode() : diskMode;
    Kind kind = kind(mode);
    if (inherits && kind == Kind.DIRECTORY) {
      mode |= SET_GROUP_ID;
    }
    long group = inherits ? parent.gid() : gid;
    if (faked == null) {
      return Ownership.of(kind, mode, uid, group, 0, 0);
    }
    return Ownership.of(kind, mode, faked.uid() != 0 ? faked.uid() : uid,
        faked.gid() != 0 ? faked.gid() : group, major(faked.rdev()), minor(faked.rdev()));
  }

  private static final int SET_GROUP_ID = 02000;

  /** A file that was there before the step: what it was, its status change time, mode on disk and path then. */
  private record Old(Ownership ownership, java.nio.file.attribute.FileTime ctime, int diskMode, String path) {}

  private static RootfsSnapshot.Inode inodeAt(RootfsSnapshot tree, String path) {
    RootfsSnapshot.Stat stat = tree.entries().get(path);
    return stat == null ? null : stat.inode();
  }

  /** The in-image path of the directory {@code path} is in ({@code /} for {@code /etc}). */
  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  private static final int SOCKET = 0140000;

  /** A device placeholder (an empty file on disk) keeps its recorded device type. */
  private static Kind kindOnDisk(int diskMode, Ownership previous) {
    Kind disk = kind(diskMode);
    boolean device = previous.type() == Kind.CHAR_DEVICE || previous.type() == Kind.BLOCK_DEVICE;
    return device && disk == Kind.FILE ? previous.type() : disk;
  }

  /** fakeroot's state, keyed as the snapshot's {@link RootfsSnapshot.Stat#inode()}. */
  private static Map<RootfsSnapshot.Inode, Entry> read(Path stateFile) throws IOException {
    Map<RootfsSnapshot.Inode, Entry> entries = new HashMap<>();
    if (!Files.exists(stateFile)) {
      return entries;
    }
    for (String line : Files.readAllLines(stateFile, StandardCharsets.UTF_8)) {
      Map<String, String> fields = new HashMap<>();
      for (String field : line.split(",")) {
        int eq = field.indexOf('=');
        if (eq > 0) {
          fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
      }
      try {
        entries.put(RootfsSnapshot.inode(Long.parseLong(fields.get("dev"), 16),
                Long.parseUnsignedLong(fields.get("ino"))),
            new Entry(Integer.parseInt(fields.get("mode"), 8), Long.parseLong(fields.get("uid")),
                Long.parseLong(fields.get("gid")), Long.parseUnsignedLong(fields.get("rdev"))));
      } catch (RuntimeException e) {
        throw new IOException("fakeroot's state file " + stateFile + " has a line this Lading cannot"
            + " read: '" + line + "'", e);
      }
    }
    return entries;
  }

  private static Kind kind(int mode) {
    for (Kind k : Kind.values()) {
      if ((mode & 0170000) == k.typeBits()) {
        return k;
      }
    }
    return Kind.FILE; // sockets: recorded as files; layers cannot hold them
  }

  /** glibc's major()/minor(), the inverse of {@code OwnershipMap.makedev}. */
  private static int major(long rdev) {
    return (int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL));
  }

  private static int minor(long rdev) {
    return (int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL));
  }
}
