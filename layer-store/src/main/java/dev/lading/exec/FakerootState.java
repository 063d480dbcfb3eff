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
 * chmodded comes from fakeroot, what it created without that belongs to root with the mode on disk,
 * what it deleted is gone. proot records nothing, so after a proot step only the tree is read.
 */
final class FakerootState {
  private FakerootState() {}

  /** One line of fakeroot's state file. */
  private record Entry(int mode, long uid, long gid, long rdev) {}

  /**
   * The map after a step, from the tree as the step left it; {@code stateFile} is fakeroot's saved
   * state, null for proot. The contents of /dev, /proc and /sys, which a snapshot leaves out and no
   * step changes on disk (the executors show the host's there), keep what they had.
   */
  static OwnershipMap after(RootfsSnapshot tree, OwnershipMap before, Path stateFile) throws IOException {
    Map<RootfsSnapshot.Inode, Entry> state = stateFile == null ? Map.of() : read(stateFile);
    TreeMap<String, Ownership> entries = new TreeMap<>();
    before.entries().forEach((key, o) -> {
      if (RootfsSnapshot.isMountPointContent(key)) {
        entries.put(key, o);
      }
    });
    tree.entries().forEach((key, stat) -> {
      int diskMode = (stat.kind() == null ? SOCKET : stat.kind().typeBits()) | stat.mode();
      Entry faked = state.get(stat.inode());
      Ownership previous = before.entries().get(key);
      Ownership now;
      if (faked != null) {
        now = Ownership.of(kind(faked.mode()), faked.mode(), faked.uid(), faked.gid(),
            major(faked.rdev()), minor(faked.rdev()));
      } else if (previous != null && previous.type() == kindOnDisk(diskMode, previous)) {
        now = previous; // untouched by the step (proot keeps no record)
      } else {
        now = Ownership.of(kind(diskMode), diskMode, 0, 0, 0, 0); // made by the step, as root
      }
      entries.put(key, now);
    });
    return new OwnershipMap(OwnershipMap.VERSION, entries);
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
