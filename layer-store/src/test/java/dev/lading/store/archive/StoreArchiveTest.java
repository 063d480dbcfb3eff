package dev.lading.store.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.MediaTypes;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import dev.lading.store.StoreRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreArchiveTest {
  private static final BlobOrigin ORIGIN = new BlobOrigin("registry.example:5000", "base/debian");

  @TempDir Path dir;

  /** A one-layer image; the layer is stored only when {@code layerStored}. */
  private static Descriptor image(Store store, String text, boolean layerStored) throws IOException {
    byte[] layer = ("layer bytes of " + text + " ").repeat(200).getBytes(StandardCharsets.UTF_8);
    Descriptor layerDesc = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(layer), layer.length);
    if (layerStored) {
      store.put(MediaTypes.OCI_LAYER_GZIP, layer);
    } else {
      store.addOrigin(layerDesc.digest(), ORIGIN);
    }
    Descriptor config = store.put(MediaTypes.OCI_CONFIG, ("{\"architecture\":\"amd64\",\"os\":\"linux\","
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.ofUtf8(text) + "\"]}}")
        .getBytes(StandardCharsets.UTF_8));
    return store.put(MediaTypes.OCI_MANIFEST, ("{\"schemaVersion\":2,\"mediaType\":\""
        + MediaTypes.OCI_MANIFEST + "\",\"config\":" + json(config) + ",\"layers\":[" + json(layerDesc)
        + "]}").getBytes(StandardCharsets.UTF_8));
  }

  private static String json(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":"
        + d.size() + "}";
  }

  private static byte[] layerOf(String text) {
    return ("layer bytes of " + text + " ").repeat(200).getBytes(StandardCharsets.UTF_8);
  }

  /** A store with a ref, a repository tag and a ref whose base layer was never downloaded. */
  private Store filled(String name) throws IOException {
    Store store = Store.open(dir.resolve(name));
    store.setRef("registry.example:5000/app:1", image(store, "app", true));
    store.setTag("library/tool", "2", image(store, "tool", true));
    store.setRef("registry.example:5000/lazy:1", image(store, "lazy", false));
    return store;
  }

  private static byte[] export(Store store, boolean gzip, String... names) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new StoreExport(store).write(out, gzip, List.of(names), ArchiveListener.NONE);
    return out.toByteArray();
  }

  private static ImportReport importInto(Store store, byte[] archive) throws IOException {
    return new StoreImport(store).read(new ByteArrayInputStream(archive), ArchiveListener.NONE);
  }

  private static List<Path> files(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void aWholeStoreComesBackWithItsRefsTagsAndTheOriginsOfLazyLayers() throws IOException {
    Store a = filled("a");
    Store b = Store.open(dir.resolve("b"));
    ImportReport report = importInto(b, export(a, true));

    assertEquals(a.refs(), b.refs());
    assertEquals(a.tag("library/tool", "2"), b.tag("library/tool", "2"));
    assertEquals(2, report.refs());
    assertEquals(1, report.tags());
    assertEquals(8, report.blobsWritten(), "3 blobs per image, the lazy one's layer left out");
    Digest lazyLayer = Digest.of(layerOf("lazy"));
    assertFalse(b.has(lazyLayer));
    assertEquals(List.of(ORIGIN), b.origins(lazyLayer), "the importing store can fetch it later");
    assertTrue(b.fsck().clean());

    ImportReport again = importInto(b, export(a, false));
    assertEquals(0, again.blobsWritten());
    assertEquals(8, again.blobsPresent(), "blobs the store has are skipped");
  }

  @Test
  void theSameContentGivesTheSameBytes() throws IOException {
    Store a = filled("a");
    Store reversed = Store.open(dir.resolve("r"));
    reversed.setRef("registry.example:5000/lazy:1", image(reversed, "lazy", false));
    reversed.setTag("library/tool", "2", image(reversed, "tool", true));
    reversed.setRef("registry.example:5000/app:1", image(reversed, "app", true));

    assertArrayEquals(export(a, true), export(a, true));
    assertArrayEquals(export(a, true), export(reversed, true));
    assertArrayEquals(export(a, false), export(reversed, false));
  }

  @Test
  void namedImagesTakeOnlyTheBlobsTheyReach() throws IOException {
    Store a = filled("a");
    Store b = Store.open(dir.resolve("b"));
    importInto(b, export(a, false, "registry.example:5000/app:1", "library/tool:2"));

    assertEquals(List.of("registry.example:5000/app:1"), b.refs().stream().map(StoreRef::name).toList());
    assertTrue(b.tag("library/tool", "2").isPresent());
    assertEquals(6, files(dir.resolve("b/blobs/sha256")).size());
    assertFalse(b.has(Digest.of(layerOf("lazy"))));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> export(a, false, "registry.example:5000/nope:1"));
    assertTrue(unknown.getMessage().contains("has no image registry.example:5000/nope:1"),
        unknown.getMessage());
  }

  @Test
  void anImageNoStoreCanCompleteIsLeftOutOfAWholeExportAndRefusedByName() throws IOException {
    Store a = filled("a");
    Descriptor broken = image(a, "broken", true);
    a.setRef("registry.example:5000/broken:1", broken);
    Files.delete(dir.resolve("a/blobs/sha256/" + Digest.of(layerOf("broken")).hex()));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExportReport report = new StoreExport(a).write(out, false, List.of(), ArchiveListener.NONE);
    assertEquals(2, report.refs());
    assertEquals(1, report.skipped().size());
    assertTrue(report.skipped().get(0).startsWith("registry.example:5000/broken:1 needs "),
        report.skipped().get(0));
    assertThrows(IllegalArgumentException.class, () -> export(a, false, "registry.example:5000/broken:1"));
  }

  @Test
  void aCorruptBlobFailsTheImportAndSetsNothing() throws IOException {
    byte[] archive = export(filled("a"), false);
    byte[] layer = layerOf("app");
    int at = indexOf(archive, layer);
    archive[at + 100] ^= 0x20;
    Store b = Store.open(dir.resolve("b"));

    ArchiveException e = assertThrows(ArchiveException.class, () -> importInto(b, archive));
    assertTrue(e.getMessage().startsWith("the archive is corrupt: blobs/sha256/"
        + Digest.of(layer).hex() + " hashes to sha256:"), e.getMessage());
    assertEquals(List.of(), b.refs());
    assertEquals(List.of(), b.repositories());
    assertFalse(b.has(Digest.of(layer)));
    assertEquals(List.of(), files(dir.resolve("b/.lading/tmp")), "no half-written blob left");
  }

  @Test
  void aCutArchiveFailsTheImportAndSetsNothing() throws IOException {
    Store a = filled("a");
    for (boolean gzip : List.of(false, true)) {
      byte[] archive = export(a, gzip);
      // Inside a blob; in the gzip trailer; and, for the tar, at the header of the last blob, where
      // the tar itself looks whole and only the list of blobs tells that one is missing.
      List<Integer> cuts = gzip ? List.of(archive.length / 2, archive.length - 4)
          : List.of(archive.length / 2, indexOf(archive, ("blobs/sha256/" + lastBlob(a))
              .getBytes(StandardCharsets.UTF_8)));
      for (int length : cuts) {
        Path store = dir.resolve("cut-" + gzip + "-" + length);
        Store b = Store.open(store);
        ArchiveException e = assertThrows(ArchiveException.class,
            () -> importInto(b, Arrays.copyOf(archive, length)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertEquals(List.of(), b.refs());
        assertEquals(List.of(), b.repositories());
        assertEquals(List.of(), files(store.resolve(".lading/tmp")));
      }
    }
  }

  @Test
  void unsafeEntriesAreRefused() throws IOException {
    Store b = Store.open(dir.resolve("b"));
    List<TarArchiveEntry> unsafe = List.of(
        new TarArchiveEntry("../escape"), new TarArchiveEntry("blobs/../../escape"),
        link(TarArchiveEntry.LF_SYMLINK, "blobs/sha256/link", "/etc/passwd"),
        link(TarArchiveEntry.LF_LINK, "index.json", "/etc/passwd"),
        link(TarArchiveEntry.LF_CHR, "dev", ""), link(TarArchiveEntry.LF_FIFO, "fifo", ""));
    for (TarArchiveEntry entry : unsafe) {
      ArchiveException e = assertThrows(ArchiveException.class,
          () -> importInto(b, tar(Map.of(), entry)), entry.getName());
      assertTrue(e.getMessage().contains("unsafe entry"), e.getMessage());
    }
    ArchiveException absolute = assertThrows(ArchiveException.class,
        () -> ArchiveEntries.safeName("/etc/passwd"));
    assertTrue(absolute.getMessage().contains("absolute"), absolute.getMessage());
    assertEquals(List.of(), b.refs());
  }

  @Test
  void aPlainOciLayoutTarOfAnotherToolIsImported() throws IOException {
    Store a = Store.open(dir.resolve("a"));
    Descriptor app = image(a, "app", true);
    Store b = Store.open(dir.resolve("b"));
    String index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + app.mediaType()
        + "\",\"digest\":\"" + app.digest() + "\",\"size\":" + app.size()
        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"app:1\"}}]}";
    Map<String, byte[]> files = new java.util.TreeMap<>();
    files.put("./oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    files.put("./index.json", index.getBytes(StandardCharsets.UTF_8));
    for (Path blob : files(dir.resolve("a/blobs/sha256"))) {
      files.put("./blobs/sha256/" + blob.getFileName(), Files.readAllBytes(blob));
    }
    ImportReport report = importInto(b, tar(files));
    assertEquals(1, report.refs());
    assertEquals(app.digest(), b.ref("docker.io/library/app:1").orElseThrow().digest(),
        "a short name becomes the reference store:app:1 reads");

    files.remove("./blobs/sha256/" + Digest.of(layerOf("app")).hex());
    Store c = Store.open(dir.resolve("c"));
    ArchiveException e = assertThrows(ArchiveException.class, () -> importInto(c, tar(files)));
    assertTrue(e.getMessage().startsWith("the archive is incomplete: docker.io/library/app:1 needs "),
        e.getMessage());
    assertEquals(List.of(), c.refs());
  }

  @Test
  void aTarOfAStoreDirectoryImportsWithItsTagsAndOrigins() throws IOException {
    Store a = filled("a");
    Map<String, byte[]> files = new java.util.TreeMap<>();
    for (Path file : files(a.root())) {
      files.put("./" + a.root().relativize(file), Files.readAllBytes(file));
    }
    Store b = Store.open(dir.resolve("b"));
    ImportReport report = importInto(b, tar(files));

    assertEquals(a.refs(), b.refs());
    assertEquals(a.tag("library/tool", "2"), b.tag("library/tool", "2"));
    assertEquals(List.of(ORIGIN), b.origins(Digest.of(layerOf("lazy"))));
    assertEquals(1, report.tags());
    assertTrue(b.fsck().clean());
  }

  private String lastBlob(Store store) throws IOException {
    return files(store.root().resolve("blobs/sha256")).stream().map(p -> p.getFileName().toString())
        .sorted().reduce((x, y) -> y).orElseThrow();
  }

  private static TarArchiveEntry link(byte type, String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type);
    entry.setLinkName(target);
    return entry;
  }

  private static byte[] tar(Map<String, byte[]> files, TarArchiveEntry... extra) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(f.getKey());
        entry.setSize(f.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(f.getValue());
        tar.closeArchiveEntry();
      }
      for (TarArchiveEntry entry : extra) {
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
