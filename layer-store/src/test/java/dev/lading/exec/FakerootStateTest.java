package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.layer.RootfsSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who owns what a step made: as a container's kernel would have it (buildah's layers are the
 * reference, see BuildahParityIT's users.Dockerfile), though on disk everything is the real user's
 * and fakeroot records root for what it first sees through mkdir or chmod.
 */
class FakerootStateTest {
  @TempDir Path root;
  @TempDir Path work;

  private final TreeMap<String, Ownership> intended = new TreeMap<>();
  private final List<String> fakerootLines = new ArrayList<>();
  private RootfsSnapshot before;

  @BeforeEach
  void setUp() throws IOException {
    dir("/", 0755, 0, 0);
    dir("/shared", 02777, 0, 50);   // set-group-ID, group 50
    dir("/data", 0755, 1234, 2345);
    file("/data/old", 0644, 7, 8);
    file("/data/kept", 0644, 7, 8);
    file("/data/touched", 0644, 7, 8);
    before = RootfsSnapshot.take(root);
    // fakeroot's state as the executor feeds it: every file there is, by inode.
    before.entries().forEach((key, stat) -> fed(stat, intended.get(key)));
  }

  @Test
  void whatAStepRunAsAUserMakesIsTheUsers() throws IOException {
    Files.createFile(root.resolve("data/x"));
    Files.createDirectory(root.resolve("data/d"));
    Files.createSymbolicLink(root.resolve("data/l"), Path.of("x"));

    OwnershipMap after = after(1234, 2345);

    assertOwned(after, "/data/x", 1234, 2345);
    assertOwned(after, "/data/d", 1234, 2345);
    assertOwned(after, "/data/l", 1234, 2345);
    assertOwned(after, "/data/kept", 7, 8); // untouched
  }

  @Test
  void aSetGroupIdDirectoryGivesItsGroupAndItsBitToWhatIsMadeInIt() throws IOException {
    Files.createFile(root.resolve("shared/f"));
    Files.createDirectories(root.resolve("shared/a/b"));

    OwnershipMap user = after(1234, 2345);
    assertOwned(user, "/shared/f", 1234, 50);
    assertOwned(user, "/shared/a", 1234, 50);
    assertOwned(user, "/shared/a/b", 1234, 50); // through a directory made in the same step
    assertEquals(02000, user.entries().get("/shared/a/b").permissions() & 02000);
    assertEquals(0, user.entries().get("/shared/f").permissions() & 02000);

    OwnershipMap asRoot = after(0, 0);
    assertOwned(asRoot, "/shared/f", 0, 50);
    assertOwned(asRoot, "/shared/a", 0, 50);
  }

  @Test
  void whatFakerootRecordedOfAChownWins() throws IOException {
    Path chowned = Files.createFile(root.resolve("data/chowned"));
    Path chgrped = Files.createFile(root.resolve("data/chgrped"));
    Path mkdired = Files.createDirectory(root.resolve("shared/mkdired"));
    fed(chowned, 0100600, 5, 6);
    fed(chgrped, 0100644, 0, 60);
    fed(mkdired, 040755, 0, 0); // how fakeroot records a mkdir: root's, whoever ran it

    OwnershipMap after = after(1234, 2345);

    assertOwned(after, "/data/chowned", 5, 6);
    assertEquals(0600, after.entries().get("/data/chowned").permissions());
    assertOwned(after, "/data/chgrped", 1234, 60);
    assertOwned(after, "/shared/mkdired", 1234, 50);
    assertEquals(02755, after.entries().get("/shared/mkdired").permissions());
  }

  @Test
  void aNewLinkToAFileThatWasThereSharesItsOwner() throws IOException {
    Files.createLink(root.resolve("shared/link"), root.resolve("data/kept"));

    OwnershipMap after = after(1234, 2345);

    assertOwned(after, "/shared/link", 7, 8);
    assertOwned(after, "/data/kept", 7, 8);
  }

  @Test
  void aFileDeletedAndMadeAgainOnTheSameInodeIsNew() throws IOException {
    // fakeroot forgets a file when it is deleted; the file system may give the new one its inode.
    // Here the inode stays and fakeroot's record of it is dropped, as after `rm old && touch old`.
    fakerootLines.removeIf(line -> line.contains(",ino=" + inode("/data/old") + ","));
    Files.setPosixFilePermissions(root.resolve("data/old"), PosixFilePermissions.fromString("rw-r--r--"));
    touchCtime(root.resolve("data/old"));
    // Changed in place (fakeroot still knows it): its owner stays.
    Files.writeString(root.resolve("data/touched"), "more");

    OwnershipMap after = after(1234, 2345);

    assertOwned(after, "/data/old", 1234, 2345);
    assertOwned(after, "/data/touched", 7, 8);
  }

  @Test
  void withoutFakerootAChmodOnDiskIsTheNewModeAndAMovedInodeIsNew() throws IOException {
    // proot's chmod is real: the mode on disk changed, the owner stays.
    Files.setPosixFilePermissions(root.resolve("data/kept"), PosixFilePermissions.fromString("rwx------"));
    // A deleted file's inode given to a file at another path (what rm a && echo > b may do).
    Files.move(root.resolve("data/old"), root.resolve("shared/new"));

    OwnershipMap after = FakerootState.after(RootfsSnapshot.take(root), before,
        new OwnershipMap(OwnershipMap.VERSION, intended), null, Map.of(), 0, 0);

    assertEquals(0700, after.entries().get("/data/kept").permissions());
    assertOwned(after, "/data/kept", 7, 8);
    assertOwned(after, "/shared/new", 0, 50); // new, in a set-group-ID directory
  }

  @Test
  void withoutFakerootsStateOnlyTheTreeIsRead() throws IOException {
    // proot records nothing: what was there keeps its owner, what is new is the user's.
    Files.createFile(root.resolve("data/new"));
    OwnershipMap map = new OwnershipMap(OwnershipMap.VERSION, intended);

    OwnershipMap after = FakerootState.after(RootfsSnapshot.take(root), before, map, null, Map.of(), 1234, 2345);

    assertOwned(after, "/data/new", 1234, 2345);
    assertOwned(after, "/data/old", 7, 8);
    assertOwned(after, "/shared", 0, 50);
  }

  @Test
  void withoutFakerootTheOwnerLogsChownsGoToEveryPathOfTheirInodes() throws IOException {
    // What owner-log.c saw under plain proot: a chown of a file that was there, moved afterwards,
    // and a chgrp (uid -1) of a new file with a second link.
    Files.move(root.resolve("data/old"), root.resolve("data/renamed"));
    Files.createFile(root.resolve("data/new"));
    Files.createLink(root.resolve("data/link"), root.resolve("data/new"));
    RootfsSnapshot tree = RootfsSnapshot.take(root);
    Map<RootfsSnapshot.Inode, long[]> chowns = Map.of(
        tree.entries().get("/data/renamed").inode(), new long[] {100, 101},
        tree.entries().get("/data/new").inode(), new long[] {-1, 202});

    OwnershipMap after = FakerootState.after(tree, before, new OwnershipMap(OwnershipMap.VERSION, intended),
        null, chowns, 1234, 2345);

    assertOwned(after, "/data/renamed", 100, 101);
    assertOwned(after, "/data/new", 1234, 202);
    assertOwned(after, "/data/link", 1234, 202);
    assertOwned(after, "/data/kept", 7, 8);
  }

  private OwnershipMap after(long uid, long gid) throws IOException {
    Path state = work.resolve("state");
    Files.write(state, fakerootLines);
    return FakerootState.after(RootfsSnapshot.take(root), before,
        new OwnershipMap(OwnershipMap.VERSION, intended), state, Map.of(), uid, gid);
  }

  private void dir(String path, int mode, long uid, long gid) throws IOException {
    Files.createDirectories(root.resolve(path.substring(1)));
    intended.put(path, Ownership.of(Kind.DIRECTORY, mode, uid, gid, 0, 0));
  }

  private void file(String path, int mode, long uid, long gid) throws IOException {
    Files.writeString(root.resolve(path.substring(1)), path);
    intended.put(path, Ownership.of(Kind.FILE, mode, uid, gid, 0, 0));
  }

  private void fed(RootfsSnapshot.Stat stat, Ownership o) {
    fakerootLines.add(line(stat.inode().device(), stat.inode().number(),
        o.type().typeBits() | o.permissions(), o.uid(), o.gid()));
  }

  private void fed(Path path, int mode, long uid, long gid) throws IOException {
    fakerootLines.add(line(((Number) Files.getAttribute(path, "unix:dev")).longValue(),
        ((Number) Files.getAttribute(path, "unix:ino")).longValue(), mode, uid, gid));
  }

  private static String line(long dev, long ino, int mode, long uid, long gid) {
    return "dev=" + Long.toHexString(dev) + ",ino=" + ino + ",mode=" + Integer.toOctalString(mode)
        + ",uid=" + uid + ",gid=" + gid + ",nlink=1,rdev=0";
  }

  private long inode(String path) {
    return before.entries().get(path).inode().number();
  }

  /** Moves the file's status change time on (a chmod does; wait for the clock to tick first). */
  private static void touchCtime(Path path) throws IOException {
    Object ctime = Files.getAttribute(path, "unix:ctime");
    for (int i = 0; i < 200 && ctime.equals(Files.getAttribute(path, "unix:ctime")); i++) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  private static void assertOwned(OwnershipMap map, String path, long uid, long gid) {
    Ownership o = map.entries().get(path);
    assertEquals(uid + ":" + gid, o == null ? "missing" : o.uid() + ":" + o.gid(), path);
  }
}
