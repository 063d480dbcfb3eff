package dev.lading.store.archive;

import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Lease;
import dev.lading.store.Store;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes a store, or the images named, as one tar that is itself an OCI image layout
 * ({@code oci-layout}, {@code index.json} naming each ref, {@code blobs/sha256/}), so
 * {@code skopeo copy oci-archive:FILE:NAME} reads it too; {@link StoreImport} reads it back.
 *
 * <p>Same store content, same bytes: a fixed entry order (the small files first, then blobs by digest),
 * owner 0:0, mtime 0, fixed modes, and gzip with a fixed header. Blobs stream from their files, never
 * through memory. Repository tags and the origins of absent (lazy) base layers go to
 * {@code .lading/archive.json}: absent blobs cannot travel as bytes, but the importing store can
 * fetch them from the same registries when a build needs them, as this store would have.
 */
public final class StoreExport {
  private static final int BUFFER = 64 * 1024;
  private static final FileTime EPOCH = FileTime.fromMillis(0);
  private static final byte[] OCI_LAYOUT =
      "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private final Store store;

  public StoreExport(Store store) {
    this.store = store;
  }

  /** True for a file name that asks for gzip ({@code .gz}, {@code .tgz}). */
  public static boolean gzipByName(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".gz") || name.endsWith(".tgz");
  }

  /**
   * Writes the archive to {@code target} through a temp file beside it and an atomic rename, so the
   * file is either the whole archive or not there.
   *
   * @param gzip whether to compress (see {@link #gzipByName})
   * @param names images to export (refs or repository tags); empty for the whole store
   */
  public ExportReport writeTo(Path target, boolean gzip, List<String> names, ArchiveListener listener)
      throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    ExportReport[] report = new ExportReport[1];
    AtomicFiles.write(target, out -> report[0] = write(out, gzip, names, listener));
    return report[0];
  }

  /**
   * Writes the archive to {@code out} (left open, flushed).
   *
   * @param names images to export (refs or repository tags); empty for the whole store
   * @throws IllegalArgumentException when a named image is not in the store, or cannot be restored
   *     from an archive (it needs a blob the store lacks with no known origin)
   */
  public ExportReport write(OutputStream out, boolean gzip, List<String> names,
      ArchiveListener listener) throws IOException {
    // The lease keeps gc from deleting a blob between choosing it and writing it.
    try (Lease lease = store.lease()) {
      ExportSelection selection = names.isEmpty() ? ExportSelection.all(store)
          : ExportSelection.of(store, names);
      OutputStream buffered = new BufferedOutputStream(new NonClosing(out), BUFFER);
      OutputStream compressed = gzip ? reproducibleGzip(buffered) : buffered;
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed, "UTF-8")) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        file(tar, "oci-layout", OCI_LAYOUT);
        file(tar, "index.json", index(selection));
        directory(tar, ".lading/");
        file(tar, ArchiveMetadata.ENTRY, Json.write(metadata(selection)));
        directory(tar, "blobs/");
        directory(tar, "blobs/" + Digest.SHA256 + "/");
        long done = 0;
        long total = selection.totalBytes();
        for (Map.Entry<Digest, Long> blob : selection.blobs().entrySet()) {
          writeBlob(tar, blob.getKey(), blob.getValue());
          done += blob.getValue();
          listener.blobDone(blob.getKey(), blob.getValue(), done, total);
        }
        tar.finish();
      }
      return new ExportReport(selection.refs().size(), selection.tags().size(),
          selection.blobs().size(), selection.totalBytes(), selection.origins().size(),
          selection.skipped());
    }
  }

  /**
   * The blobs the images need that the store lacks but knows origins of (lazy base layers): an
   * export carries only their origins, unless the caller fetches them first.
   *
   * @param names images to export (refs or repository tags); empty for the whole store
   */
  public List<Descriptor> absentBlobs(List<String> names) throws IOException {
    ExportSelection selection = names.isEmpty() ? ExportSelection.all(store)
        : ExportSelection.of(store, names);
    List<Descriptor> absent = new ArrayList<>();
    for (Digest digest : selection.origins().keySet()) {
      absent.add(selection.absent().get(digest));
    }
    return absent;
  }

  private void writeBlob(TarArchiveOutputStream tar, Digest digest, long size) throws IOException {
    TarArchiveEntry entry = entry("blobs/" + digest.algorithm() + "/" + digest.hex(),
        TarArchiveEntry.DEFAULT_FILE_MODE);
    entry.setSize(size);
    tar.putArchiveEntry(entry);
    long copied;
    try (InputStream in = store.open(digest)) {
      // Exactly the size announced in the header: a blob is never rewritten in place, so a
      // difference means the store is damaged, and the tar would be too.
      copied = in.transferTo(tar);
    }
    if (copied != size) {
      throw new IOException("blob " + digest + " changed size while it was exported (" + copied
          + " bytes instead of " + size + "); run lading store fsck");
    }
    tar.closeArchiveEntry();
  }

  private static byte[] index(ExportSelection selection) {
    List<Descriptor> manifests = new ArrayList<>();
    selection.refs().forEach((name, d) -> {
      Map<String, String> annotations = new TreeMap<>(d.annotations() == null ? Map.of()
          : d.annotations());
      annotations.put(Descriptor.REF_NAME, name);
      manifests.add(d.withAnnotations(annotations));
    });
    return Json.write(new ImageIndex(2, MediaTypes.OCI_INDEX, null, manifests, null, null));
  }

  private static ArchiveMetadata metadata(ExportSelection selection) {
    List<ArchiveMetadata.Blob> blobs = new ArrayList<>();
    selection.blobs().forEach((digest, size) -> blobs.add(new ArchiveMetadata.Blob(digest, size)));
    Map<String, List<String>> origins = new TreeMap<>();
    selection.origins().forEach((digest, from) ->
        origins.put(digest.toString(), from.stream().map(BlobOrigin::toString).toList()));
    return new ArchiveMetadata(ArchiveMetadata.FORMAT, blobs, selection.tags(), origins);
  }

  private static void file(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = entry(name, TarArchiveEntry.DEFAULT_FILE_MODE);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    tar.putArchiveEntry(entry(name, TarArchiveEntry.DEFAULT_DIR_MODE));
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setUserName(""); // commons-compress would put the JVM's user.name here
    entry.setGroupName("");
    entry.setIds(0, 0);
    entry.setModTime(EPOCH);
    entry.setMode(mode);
    return entry;
  }

  /** gzip with a fixed header (mtime 0, no name, OS "unknown"), so equal tars give equal files. */
  private static OutputStream reproducibleGzip(OutputStream out) throws IOException {
    GzipParameters gzip = new GzipParameters();
    gzip.setModificationTime(0);
    gzip.setOperatingSystem(255);
    gzip.setBufferSize(BUFFER);
    return new GzipCompressorOutputStream(out, gzip);
  }

  /** Lets the tar and gzip streams be closed (to finish them) without closing the caller's stream. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
