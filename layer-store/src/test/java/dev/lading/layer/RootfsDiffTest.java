package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsDiffTest {
  @TempDir Path tmp;
  private Path root;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(tmp.resolve("rootfs"));
    Files.createDirectories(root.resolve("etc"));
    Files.createDirectories(root.resolve("usr/share/doc/old"));
    Files.createDirectories(root.resolve("proc"));
    Files.writeString(root.resolve("etc/hostname"), "base\n");
    Files.writeString(root.resolve("etc/unchanged"), "same\n");
    Files.writeString(root.resolve("usr/share/doc/old/README"), "old docs\n");
    Files.writeString(root.resolve("usr/share/doc/old/LICENSE"), "old\n");
    Files.writeString(root.resolve("replaced"), "a file, then a directory\n");
    Files.createDirectories(root.resolve("dir-then-file"));
    Files.writeString(root.resolve("dir-then-file/inner"), "x");
  }

  private Map<String, LayerEntry> diff(OwnershipMap before, OwnershipMap after, Instant timestamp)
      throws IOException {
    return RootfsDiff.between(snapshotBefore, RootfsSnapshot.take(root), before, after, timestamp)
        .entries().stream().collect(Collectors.toMap(LayerEntry::path, e -> e, (a, b) -> a, TreeMap::new));
  }

  private RootfsSnapshot snapshotBefore;

  private void sh(String script) throws IOException {
    Processes.check(List.of("sh", "-c", "cd \"$1\" && " + script, "sh", root.toString()), 30);
  }

  @Test
  void aStepsAdditionsChangesAndDeletionsBecomeEntriesAndWhiteouts() throws Exception {
    snapshotBefore = RootfsSnapshot.take(root);
    Thread.sleep(10); // a coarse file system clock must still see the change
    sh("echo changed > etc/hostname && mkdir -p opt/app && echo hi > opt/app/run.sh"
        + " && chmod 4755 opt/app/run.sh && ln opt/app/run.sh opt/app/again && ln -s /etc/hostname opt/abs"
        + " && ln -s \"$1/etc/hostname\" opt/prefixed && rm -r usr/share/doc/old && rm replaced"
        + " && mkdir replaced && rm -r dir-then-file && echo f > dir-then-file && mkfifo opt/pipe"
        + " && touch proc/ignored");
    Map<String, LayerEntry> entries = diff(null, null, null);
    // /etc and /usr/share are there as the parents of what changed, as buildah writes them.
    assertEquals(List.of("/dir-then-file", "/etc", "/etc/hostname", "/opt", "/opt/abs", "/opt/app",
        "/opt/app/again", "/opt/app/run.sh", "/opt/pipe", "/opt/prefixed", "/replaced", "/usr", "/usr/share",
        "/usr/share/doc", "/usr/share/doc/.wh.old"), List.copyOf(entries.keySet()));
    assertEquals(LayerEntry.Type.HARDLINK, entries.get("/opt/app/run.sh").type());
    assertEquals("/opt/app/again", entries.get("/opt/app/run.sh").linkTarget());
    assertEquals(04755, entries.get("/opt/app/again").mode());
    assertEquals("/etc/hostname", entries.get("/opt/prefixed").linkTarget(), "fakechroot's prefix goes");
    assertEquals(LayerEntry.Type.FIFO, entries.get("/opt/pipe").type());
    assertEquals(LayerEntry.Type.DIRECTORY, entries.get("/replaced").type());
    assertEquals(LayerEntry.Type.FILE, entries.get("/dir-then-file").type());
    // The layer can be written as it is: no implicit parents, a hardlink into the same layer.
    ReproducibleLayer layer = ReproducibleLayer.builder().implicitParents(false).hardlinksToLowerLayers(true)
        .addAll(entries.values()).build();
    layer.writeTo(java.io.OutputStream.nullOutputStream());
  }

  @Test
  void aHardlinkedSymlinkOrFifoStaysOneInodeAsContainersStorageWritesIt() throws Exception {
    snapshotBefore = RootfsSnapshot.take(root);
    sh("mkdir l && ln -s ../etc/hostname l/sym && ln l/sym l/sym2 && mkfifo l/pipe && ln l/pipe l/pipe2");
    Map<String, LayerEntry> entries = diff(null, null, null);
    assertEquals(LayerEntry.Type.SYMLINK, entries.get("/l/sym").type());
    assertEquals(LayerEntry.Type.HARDLINK, entries.get("/l/sym2").type());
    assertEquals("/l/sym", entries.get("/l/sym2").linkTarget());
    assertEquals(LayerEntry.Type.FIFO, entries.get("/l/pipe").type());
    assertEquals(LayerEntry.Type.HARDLINK, entries.get("/l/pipe2").type());
    assertEquals("/l/pipe", entries.get("/l/pipe2").linkTarget());
    ReproducibleLayer.builder().implicitParents(false).addAll(entries.values()).build()
        .writeTo(java.io.OutputStream.nullOutputStream());
  }

  @Test
  void aDirectoryWhoseEntriesCameAndWentIsUnchangedAsBuildahSeesIt() throws Exception {
    Files.createDirectories(root.resolve("tmp"));
    Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
    snapshotBefore = RootfsSnapshot.take(root);
    Thread.sleep(10);
    // dpkg's updates/ and /tmp: a file made and removed moves the directory's mtime, nothing else;
    // a directory removed and made again with its mode is as it was; a changed mode is a change.
    sh("touch tmp/x && rm tmp/x && touch var/lib/dpkg/updates/0001 && rm var/lib/dpkg/updates/0001"
        + " && rmdir usr/share/doc/old/../old 2>/dev/null; rm -r etc && mkdir etc"
        + " && echo base > etc/hostname && echo same > etc/unchanged && chmod 0700 proc");
    Map<String, LayerEntry> entries = diff(null, null, null);
    assertEquals(List.of("/etc", "/etc/hostname", "/etc/unchanged"), List.copyOf(entries.keySet()),
        "the files in the remade /etc are new inodes; /proc is a mount point; /tmp and dpkg's updates/ stay out");
  }

  @Test
  void aSymlinkTargetIsKeptAsTheStepWroteIt() throws Exception {
    snapshotBefore = RootfsSnapshot.take(root);
    sh("ln -s 'usr//share/doc/' etc/odd && ln -s usr/share etc/plain");
    Map<String, LayerEntry> entries = diff(null, null, null);
    assertEquals("usr//share/doc/", entries.get("/etc/odd").linkTarget(), "not normalised as a Java path");
    assertEquals("usr/share", entries.get("/etc/plain").linkTarget());
  }

  @Test
  void nothingChangedIsAnEmptyLayer() throws IOException {
    snapshotBefore = RootfsSnapshot.take(root);
    assertTrue(RootfsDiff.between(snapshotBefore, RootfsSnapshot.take(root), null, null, null).isEmpty());
  }

  @Test
  void ownersAndModesComeFromTheOwnershipMapAndAChownAloneIsAChange() throws IOException {
    snapshotBefore = RootfsSnapshot.take(root);
    OwnershipMap before = new OwnershipMap(OwnershipMap.VERSION, new TreeMap<>(Map.of(
        "/etc/unchanged", Ownership.of(Kind.FILE, 0644, 0, 0, 0, 0))));
    OwnershipMap after = new OwnershipMap(OwnershipMap.VERSION, new TreeMap<>(Map.of(
        "/etc/unchanged", Ownership.of(Kind.FILE, 0640, 33, 42, 0, 0))));
    Map<String, LayerEntry> entries = diff(before, after, null);
    assertEquals(List.of("/etc", "/etc/unchanged"), List.copyOf(entries.keySet()));
    LayerEntry e = entries.get("/etc/unchanged");
    assertEquals(33, e.uid());
    assertEquals(42, e.gid());
    assertEquals(0640, e.mode());
  }

  @Test
  void sourceDateEpochClampsEveryTime() throws Exception {
    snapshotBefore = RootfsSnapshot.take(root);
    sh("echo new > etc/new && rm etc/unchanged");
    Instant epoch = Instant.parse("2020-01-01T00:00:00Z");
    Map<String, LayerEntry> entries = diff(null, null, epoch);
    assertTrue(entries.values().stream().allMatch(e -> e.mtime().equals(epoch)), entries.toString());
    assertTrue(entries.containsKey("/etc/.wh.unchanged"));
  }
}
