package dev.lading.cli;

import dev.lading.layer.LayerCompression;
import dev.lading.model.Json;
import dev.lading.testing.Processes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** What each layer of an image in an OCI layout holds, entry by entry, timestamps aside. */
final class LayerListing {
  private LayerListing() {}

  /**
   * Each layer of {@code layout:ref}, bottom first: path -> "type mode uid:gid [-> target]", where
   * type is f, d, l (symlink), h (hardlink), p (FIFO), c or b (devices, then " major,minor"), followed by the entry's
   * extended attributes (PAX {@code SCHILY.xattr.NAME} records) as " NAME=hex".
   */
  static List<TreeMap<String, String>> layers(Path layout, String ref) throws IOException {
    String manifest = Processes.check(List.of("skopeo", "inspect", "--raw", "oci:" + layout + ":" + ref), 60);
    List<TreeMap<String, String>> layers = new ArrayList<>();
    for (var layer : Json.mapper().readTree(manifest).get("layers")) {
      String digest = layer.get("digest").asText();
      layers.add(entries(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()))));
    }
    return layers;
  }

  /** The entries of one layer blob (gzip, zstd or plain tar). */
  static TreeMap<String, String> entries(Path blob) throws IOException {
    TreeMap<String, String> entries = new TreeMap<>();
    try (InputStream file = new BufferedInputStream(Files.newInputStream(blob))) {
      file.mark(4);
      byte[] magic = file.readNBytes(4);
      file.reset();
      try (InputStream in = LayerCompression.isGzip(magic) ? new GZIPInputStream(file)
              : LayerCompression.isZstd(magic) ? new io.airlift.compress.zstd.ZstdInputStream(file) : file;
          TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
          String type = e.isDirectory() ? "d" : e.isSymbolicLink() ? "l" : e.isLink() ? "h"
              : e.isFIFO() ? "p" : e.isCharacterDevice() ? "c" : e.isBlockDevice() ? "b" : "f";
          String name = e.getName().replaceAll("^\\./", "").replaceAll("^/", "");
          String link = e.isLink() ? e.getLinkName().replaceAll("^\\./", "").replaceAll("^/", "") : e.getLinkName();
          entries.put(name, type + " " + Integer.toOctalString(e.getMode() & 07777) + " "
              + e.getLongUserId() + ":" + e.getLongGroupId()
              + (e.isCharacterDevice() || e.isBlockDevice() ? " " + e.getDevMajor() + "," + e.getDevMinor() : "")
              + (e.isSymbolicLink() || e.isLink() ? " -> " + link : "") + xattrs(e));
        }
      }
    }
    return entries;
  }

  /**
   * The entry's extended attributes, sorted. commons-compress decodes PAX values as UTF-8, so the
   * hex is of the decoded text's UTF-8: the same for the same bytes, which is what is compared.
   */
  private static String xattrs(TarArchiveEntry e) {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(e.getExtraPaxHeaders()).forEach((key, value) -> {
      if (key.startsWith("SCHILY.xattr.")) {
        out.append(' ').append(key.substring("SCHILY.xattr.".length())).append('=')
            .append(java.util.HexFormat.of().formatHex(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
    });
    return out.toString();
  }
}
