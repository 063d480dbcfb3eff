package dev.lading.store.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.store.BlobOrigin;
import dev.lading.store.BlobWriter;
import dev.lading.store.Lease;
import dev.lading.store.Store;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads an archive of {@link StoreExport} (or any tar of an OCI image layout, e.g. skopeo's
 * {@code oci-archive}) into a store, streaming.
 *
 * <p>Nothing becomes visible unverified: each blob goes through a store writer that checks its
 * digest before renaming it into place, and the refs and tags are set only at the end, together,
 * once every blob they reach is in the store (or, for base layers the archive deliberately lacks,
 * has a known origin). A damaged, cut or unsafe archive fails with one line and sets nothing. The
 * complete blobs written before the failure are kept, unreferenced: they are verified, a retry skips
 * them instead of reading them again, and gc removes them after its grace period if no retry comes.
 */
public final class StoreImport {
  private static final int BUFFER = 256 * 1024;
  private static final int MAX_INDEX = 64 * 1024 * 1024;
  private static final int MAX_METADATA = 256 * 1024 * 1024;
  private static final int MAX_RECORD = 1024 * 1024;
  /** A repository tag file of a store directory (temp files of tag writes start with '.'). */
  private static final Pattern STORE_TAG =
      Pattern.compile("\\.lading/repositories/(.+)/_tags/([A-Za-z0-9_][^/]*)");
  private static final Pattern STORE_ORIGIN = Pattern.compile("\\.lading/origins/([a-f0-9]{64})");

  private final Store store;

  public StoreImport(Store store) {
    this.store = store;
  }

  /** Imports the archive (tar, or gzip of a tar, told by its first bytes) from {@code in}. */
  public ImportReport read(InputStream in, ArchiveListener listener) throws IOException {
    InputStream buffered = new BufferedInputStream(in, BUFFER);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    if (b0 < 0) {
      throw new ArchiveException("the archive is empty");
    }
    InputStream tar = b0 == 0x1f && b1 == 0x8b ? gunzip(buffered) : buffered;
    // Held throughout: blobs written early stay unreferenced until the refs are set at the end.
    try (Lease lease = store.lease()) {
      return new Run(listener).read(new ArchiveEntries(tar));
    }
  }

  private static InputStream gunzip(InputStream in) throws IOException {
    try {
      return new GzipCompressorInputStream(in, true);
    } catch (IOException e) {
      throw new ArchiveException("the archive is not valid gzip (" + e.getMessage() + ")", e);
    }
  }

  /** The state of one import. */
  private final class Run {
    private final ArchiveListener listener;
    private final byte[] buffer = new byte[BUFFER];
    private byte[] layoutFile;
    private byte[] index;
    private ArchiveMetadata metadata;
    /** From a tar of a store directory: its tags, origin records, and whether it has ref files. */
    private final List<ArchiveMetadata.Tag> directoryTags = new ArrayList<>();
    private final Map<Digest, List<BlobOrigin>> directoryOrigins = new TreeMap<>();
    private boolean storeDirectory;
    private int written;
    private long bytesWritten;
    private int present;
    private long bytesDone;

    Run(ArchiveListener listener) {
      this.listener = listener;
    }

    ImportReport read(ArchiveEntries entries) throws IOException {
      ArchiveEntries.Entry entry;
      while ((entry = entries.next()) != null) {
        if (entry.directory()) {
          continue;
        }
        String hex = entry.blobHex();
        if (hex != null) {
          blob(entries, entry, Digest.parse(Digest.SHA256 + ":" + hex));
        } else if (entry.otherBlob()) {
          throw new ArchiveException("the archive has " + entry.name() + ", which is not a sha256"
              + " blob; the store holds sha256 blobs only");
        } else if (entry.name().equals("oci-layout")) {
          layoutFile = entries.readSmall(entry, 4096);
        } else if (entry.name().equals("index.json")) {
          index = entries.readSmall(entry, MAX_INDEX);
        } else if (entry.name().equals(ArchiveMetadata.ENTRY)) {
          metadata = parseMetadata(entries.readSmall(entry, MAX_METADATA));
        } else {
          storeDirectoryFile(entries, entry);
        }
      }
      return finish();
    }

    /**
     * Takes the repository tags and origin records from a tar of a store directory ({@code tar -C
     * STORE -czf store.tgz .}), so importing one loses nothing {@code index.json} does not say.
     * Other private files (locks, temp files, caches) are not imported.
     */
    private void storeDirectoryFile(ArchiveEntries entries, ArchiveEntries.Entry entry)
        throws IOException {
      if (entry.name().startsWith(".lading/refs/")) {
        storeDirectory = true;
        return;
      }
      Matcher tag = STORE_TAG.matcher(entry.name());
      if (tag.matches() && Store.isRepositoryName(tag.group(1)) && Store.isTagName(tag.group(2))) {
        try {
          directoryTags.add(new ArchiveMetadata.Tag(tag.group(1), tag.group(2),
              Json.read(entries.readSmall(entry, MAX_RECORD), Descriptor.class, entry.name())));
        } catch (RuntimeException damaged) {
          // As fsck would quarantine it: a tag that does not hold a descriptor is not a tag.
        }
        return;
      }
      Matcher origin = STORE_ORIGIN.matcher(entry.name());
      if (origin.matches()) {
        List<BlobOrigin> from = new ArrayList<>();
        for (String line : new String(entries.readSmall(entry, MAX_RECORD), StandardCharsets.UTF_8)
            .split("\n")) {
          try {
            from.add(BlobOrigin.parse(line.strip()));
          } catch (IllegalArgumentException edited) {
            // a line edited by hand: the other origins still help, as in the store itself
          }
        }
        directoryOrigins.put(Digest.parse(Digest.SHA256 + ":" + origin.group(1)), from);
      }
    }

    private void blob(ArchiveEntries entries, ArchiveEntries.Entry entry, Digest digest)
        throws IOException {
      if (store.has(digest)) {
        present++; // the tar reader skips its bytes
      } else {
        try (BlobWriter writer = store.writer(digest)) {
          long copied = 0;
          int n;
          while ((n = entries.read(buffer)) > 0) {
            writer.write(buffer, 0, n);
            copied += n;
          }
          if (copied != entry.size()) {
            throw ArchiveEntries.truncated(entry);
          }
          writer.commit();
        } catch (DigestMismatchException e) {
          throw new ArchiveException("the archive is corrupt: " + entry.name() + " hashes to "
              + e.actual() + ", not to its name", e);
        }
        written++;
        bytesWritten += entry.size();
      }
      bytesDone += entry.size();
      listener.blobDone(digest, entry.size(), bytesDone, metadata == null ? -1 : metadata.totalBytes());
    }

    private ImportReport finish() throws IOException {
      if (layoutFile == null || index == null) {
        throw new ArchiveException("not a store archive or OCI image layout tar: it has no "
            + (layoutFile == null ? "oci-layout" : "index.json") + " file");
      }
      checkLayoutVersion();
      if (metadata != null) {
        for (ArchiveMetadata.Blob blob : metadata.blobs()) {
          if (!store.has(blob.digest())) {
            throw new ArchiveException("the archive is truncated: it lists " + blob.digest()
                + " but does not hold it");
          }
        }
      }
      ImageIndex layout;
      try {
        layout = Json.read(index, ImageIndex.class, "index.json of the archive");
      } catch (RuntimeException e) {
        throw new ArchiveException(e.getMessage(), e);
      }
      Map<String, Descriptor> refs = new TreeMap<>();
      int unnamed = 0;
      for (Descriptor d : layout.manifests()) {
        String name = d.annotation(Descriptor.REF_NAME);
        if (name == null || name.isBlank()) {
          unnamed++;
        } else {
          // Names of a lading archive or store are kept; another tool's are read as store:NAME reads them.
          boolean lading = metadata != null || storeDirectory;
          refs.put(lading ? name : ExportSelection.canonical(name).orElse(name),
              withoutRefName(d));
        }
      }
      List<ArchiveMetadata.Tag> tags = new ArrayList<>(directoryTags);
      if (metadata != null) {
        tags.addAll(metadata.tags());
      }
      Map<Digest, List<BlobOrigin>> origins = archiveOrigins();
      Map<Digest, List<BlobOrigin>> needed = new LinkedHashMap<>();
      for (Map.Entry<String, Descriptor> ref : refs.entrySet()) {
        check(ref.getKey(), ref.getValue(), origins, needed);
      }
      for (ArchiveMetadata.Tag tag : tags) {
        if (tag.descriptor() == null || !Store.isRepositoryName(tag.repository())
            || !Store.isTagName(tag.tag())) {
          throw new ArchiveException("the archive has a bad repository tag '" + tag.repository()
              + ":" + tag.tag() + "'");
        }
        check(tag.repository() + ":" + tag.tag(), tag.descriptor(), origins, needed);
      }
      // Everything is in place and checked: now make it visible.
      for (Map.Entry<Digest, List<BlobOrigin>> e : needed.entrySet()) {
        for (BlobOrigin origin : e.getValue()) {
          store.addOrigin(e.getKey(), origin);
        }
      }
      if (!refs.isEmpty()) {
        store.setRefs(refs);
      }
      for (ArchiveMetadata.Tag tag : tags) {
        store.setTag(tag.repository(), tag.tag(), tag.descriptor());
      }
      int originCount = needed.values().stream().mapToInt(List::size).sum();
      return new ImportReport(refs.size(), tags.size(), written, bytesWritten, present, originCount,
          unnamed);
    }

    /**
     * Fails unless every blob {@code name} needs is in the store now, or absent with an origin the
     * archive or the store knows; collects the archive's origins that will be needed.
     */
    private void check(String name, Descriptor root, Map<Digest, List<BlobOrigin>> origins,
        Map<Digest, List<BlobOrigin>> needed) throws IOException {
      if (!MediaTypes.isIndex(root.mediaType()) && !MediaTypes.isImageManifest(root.mediaType())) {
        throw new ArchiveException("the archive names " + name + " but it is a "
            + root.mediaType() + ", not an image manifest or index");
      }
      ImageBlobs image;
      try {
        image = ImageBlobs.walk(store, root);
      } catch (IOException e) {
        throw new ArchiveException("the archive's image " + name + " is unreadable: "
            + e.getMessage(), e);
      }
      for (Descriptor absent : image.absent().values()) {
        List<BlobOrigin> from = origins.getOrDefault(absent.digest(), List.of());
        if (from.isEmpty() && store.origins(absent.digest()).isEmpty()) {
          throw new ArchiveException("the archive is incomplete: " + name + " needs "
              + absent.digest() + " (" + absent.mediaType() + "), which neither the archive nor"
              + " the store holds");
        }
        if (!from.isEmpty()) {
          needed.put(absent.digest(), from);
        }
      }
    }

    private Map<Digest, List<BlobOrigin>> archiveOrigins() throws ArchiveException {
      Map<Digest, List<BlobOrigin>> origins = new TreeMap<>(directoryOrigins);
      if (metadata == null) {
        return origins;
      }
      try {
        metadata.origins().forEach((digest, from) -> origins.put(Digest.parse(digest),
            from.stream().map(BlobOrigin::parse).toList()));
      } catch (IllegalArgumentException e) {
        throw new ArchiveException("the archive has a bad origin record: " + e.getMessage(), e);
      }
      return origins;
    }

    private void checkLayoutVersion() throws ArchiveException {
      try {
        JsonNode version = Json.mapper().readTree(layoutFile).get("imageLayoutVersion");
        if (version == null || !version.asText().startsWith("1.")) {
          throw new ArchiveException("the archive's oci-layout has no supported imageLayoutVersion");
        }
      } catch (IOException e) {
        throw new ArchiveException("the archive's oci-layout is not JSON: " + e.getMessage(), e);
      }
    }

    private ArchiveMetadata parseMetadata(byte[] json) throws ArchiveException {
      ArchiveMetadata parsed;
      try {
        parsed = Json.read(json, ArchiveMetadata.class, ArchiveMetadata.ENTRY);
      } catch (RuntimeException e) {
        throw new ArchiveException("the archive's " + ArchiveMetadata.ENTRY + " is damaged: "
            + e.getMessage(), e);
      }
      if (!ArchiveMetadata.FORMAT.equals(parsed.format())) {
        throw new ArchiveException("the archive is of format '" + parsed.format() + "', which this"
            + " lading does not know (it reads " + ArchiveMetadata.FORMAT + "); use a newer lading");
      }
      return parsed;
    }
  }

  /** The ref's descriptor as the store keeps it: the name is the ref's, not an annotation. */
  private static Descriptor withoutRefName(Descriptor d) {
    if (d.annotations() == null || !d.annotations().containsKey(Descriptor.REF_NAME)) {
      return d;
    }
    Map<String, String> rest = new TreeMap<>(d.annotations());
    rest.remove(Descriptor.REF_NAME);
    return d.withAnnotations(rest.isEmpty() ? null : rest);
  }
}
