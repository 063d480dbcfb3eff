package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File capabilities (the security.capability attribute) through a RUN step's layer: the diff takes a
 * file whose capabilities alone changed, the layer holds the attribute's raw bytes as a PAX record,
 * and an unprivileged unpack keeps them in the ownership map.
 */
class FileCapabilityLayersTest {
  /** cap_net_bind_service=ep as the kernel stores it (revision 2, effective): bytes above 0x7f included. */
  private static final byte[] NET_BIND_SERVICE = HexFormat.of().parseHex("0100000200040000000000000000000000000000");
  /** cap_setuid,cap_sys_admin+ep: 0x80 and 0x20 in the permitted word, not valid UTF-8 as it stands. */
  private static final byte[] SETUID_SYS_ADMIN = HexFormat.of().parseHex("0100000280002000000000000000000000000000");

  @TempDir Path tmp;

  @Test
  void aFileWhoseCapabilitiesAloneChangedIsInTheLayerWithThem() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("usr/bin"));
    Files.writeString(root.resolve("usr/bin/server"), "binary\n");
    Files.writeString(root.resolve("usr/bin/other"), "binary\n");
    RootfsSnapshot tree = RootfsSnapshot.take(root);
    TreeMap<String, Ownership> owners = new TreeMap<>();
    owners.put("/usr", Ownership.of(Kind.DIRECTORY, 0755, 0, 0, 0, 0));
    owners.put("/usr/bin", Ownership.of(Kind.DIRECTORY, 0755, 0, 0, 0, 0));
    owners.put("/usr/bin/server", Ownership.of(Kind.FILE, 0755, 0, 0, 0, 0));
    owners.put("/usr/bin/other", Ownership.of(Kind.FILE, 0755, 0, 0, 0, 0));
    OwnershipMap before = new OwnershipMap(OwnershipMap.VERSION, owners);
    owners.put("/usr/bin/server", owners.get("/usr/bin/server").withCapability(SETUID_SYS_ADMIN));
    OwnershipMap after = new OwnershipMap(OwnershipMap.VERSION, owners);

    List<LayerEntry> entries = RootfsDiff.between(tree, tree, before, after, null).entries();
    assertEquals(List.of("/usr/bin/server", "/usr/bin", "/usr"), entries.stream().map(LayerEntry::path).toList());
    assertArrayEquals(SETUID_SYS_ADMIN, java.util.Base64.getDecoder().decode(entries.get(0).capability()));

    // The map keeps it across a save and a load; a file without capabilities has no field.
    Path file = tmp.resolve("owners.json");
    after.saveTemporary(file);
    assertArrayEquals(SETUID_SYS_ADMIN, OwnershipMap.load(file).entries().get("/usr/bin/server").capabilityBytes());
    assertTrue(new String(after.toJson(), java.nio.charset.StandardCharsets.UTF_8)
        .contains("\"/usr/bin/other\":{\"type\":\"FILE\",\"mode\":\"755\",\"uid\":0,\"gid\":0,\"devMajor\":0,"
            + "\"devMinor\":0}"), "no field for a file without capabilities");
  }

  @Test
  void theLayerHoldsTheRawBytesAndAnUnprivilegedUnpackKeepsThem() throws IOException {
    byte[] layer = layer(List.of(
        LayerEntry.file("/usr/bin/server", "binary\n".getBytes()).withMode(0755).withCapability(SETUID_SYS_ADMIN),
        LayerEntry.file("/usr/bin/lowport", "binary\n".getBytes()).withMode(0755).withCapability(NET_BIND_SERVICE),
        LayerEntry.file("/usr/bin/plain", "binary\n".getBytes()).withMode(0755)));

    // As GNU tar and Go's archive/tar read it: the record's value is the attribute's bytes.
    TreeMap<String, byte[]> records = new TreeMap<>();
    try (ExactNameTarInputStream tar = new ExactNameTarInputStream(new ByteArrayInputStream(layer))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        records.put(e.getName(), tar.localPaxRecord("SCHILY.xattr.security.capability"));
      }
    }
    assertArrayEquals(SETUID_SYS_ADMIN, records.get("usr/bin/server"));
    assertArrayEquals(NET_BIND_SERVICE, records.get("usr/bin/lowport"));
    assertNull(records.get("usr/bin/plain"));

    Path root = Files.createDirectories(tmp.resolve("unpacked"));
    Path sidecar = tmp.resolve("unpacked.json");
    LayerExtractor.builder().preserveOwnership(false).ownershipFile(sidecar).build()
        .apply(root, new ByteArrayInputStream(layer), "test layer");
    OwnershipMap map = OwnershipMap.load(sidecar);
    assertArrayEquals(SETUID_SYS_ADMIN, map.entries().get("/usr/bin/server").capabilityBytes());
    assertArrayEquals(NET_BIND_SERVICE, map.entries().get("/usr/bin/lowport").capabilityBytes());
    assertNull(map.entries().get("/usr/bin/plain").capability());
    assertEquals("binary\n", Files.readString(root.resolve("usr/bin/server")));
  }

  @Test
  void anUnpackThatSetsOwnersOnDiskSaysTheCapabilitiesItCannotSet() throws IOException {
    dev.lading.testing.RequiredTool.requireThat(dev.lading.testing.ReadOnlyView.root(), "chown needs root");
    byte[] layer = layer(List.of(
        LayerEntry.file("/usr/bin/lowport", "binary\n".getBytes()).withMode(0755).withCapability(NET_BIND_SERVICE),
        LayerEntry.file("/usr/bin/plain", "binary\n".getBytes()).withMode(0755)));
    Path root = Files.createDirectories(tmp.resolve("as-root"));
    LayerExtractor.Applied applied = LayerExtractor.builder().preserveOwnership(true).build()
        .apply(root, new ByteArrayInputStream(layer), "test layer");
    assertEquals(List.of("usr/bin/lowport: its file capabilities (security.capability) are not set on disk;"
        + " set them with setcap, or unpack as a non-root user with --ownership-file to record them"),
        applied.notes());
  }

  private static byte[] layer(List<LayerEntry> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ReproducibleLayer.builder().addAll(entries).build().writeUncompressedTo(out);
    return out.toByteArray();
  }
}
