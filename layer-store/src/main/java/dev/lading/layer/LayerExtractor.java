package dev.lading.layer;

import dev.lading.io.NonClosingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Applies image layers, in order, onto a root directory, the way a container runtime stacks them, and
 * never touches anything outside that root whatever the tar holds.
 *
 * <p>Every entry name is cleaned lexically with chroot semantics ({@code ..} stops at the root, absolute
 * names are taken relative to it). Parent directories are then resolved component by component: a
 * symlink met on the way is followed as if the root were {@code /} (like securejoin), so an absolute,
 * relative or chained link that points "outside" lands inside the root instead. The last component is
 * never followed: whatever is there is removed and replaced ({@code O_EXCL} creation, NOFOLLOW metadata
 * calls). Hardlink targets are resolved the same way. Symlink targets are stored verbatim.
 *
 * <p>Whiteouts follow the OCI rule: {@code .wh.NAME} removes NAME as it was in the lower layers, and
 * {@code .wh..wh..opq} empties its directory of lower content; paths this layer itself creates are
 * kept whether they come before or after the whiteout.
 *
 * <p>With {@code preserveOwnership} (the default when running as root) owners are set with lchown and
 * device nodes are created. Without it, files belong to the extracting user, directories keep u+rwx and
 * files u+rw on disk so later steps can write them, device nodes become empty mode-0 placeholders, and
 * the intended type, mode and owner of every path go to an {@link OwnershipMap} sidecar for fakeroot,
 * kept in the file the caller names (nowhere by default).
 *
 * <p>Assumes nothing else changes the root while a layer is applied. Not thread-safe per root;
 * instances are immutable and may be shared.
 */
public final class LayerExtractor {
  /** Default limit on the uncompressed bytes one layer may expand to. */
  public static final long DEFAULT_MAX_BYTES = 64L << 30;
  /** Default limit on the number of entries in one layer. */
  public static final long DEFAULT_MAX_ENTRIES = 5_000_000;
  /** The charset this JVM writes file names in; a name it cannot hold is refused, never altered. */
  private static final Charset FILE_NAMES = fileNameCharset();

  private final boolean preserveOwnership;
  private final long maxBytes;
  private final long maxEntries;
  private final Path ownershipFile;

  private LayerExtractor(Builder b) {
    this.preserveOwnership = b.preserveOwnership;
    this.maxBytes = b.maxBytes;
    this.maxEntries = b.maxEntries;
    this.ownershipFile = b.ownershipFile;
  }

  /** A builder with the defaults: preserve ownership only when running as root. */
  public static Builder builder() {
    return new Builder();
  }

  /** True when owners are applied with lchown and device nodes are created. */
  public boolean preserveOwnership() {
    return preserveOwnership;
  }

  /**
   * Where an unprivileged extraction keeps its {@link OwnershipMap} between layers, if anywhere: a
   * file the caller chose (the RUN executor's work directory, or one the user asked for). Never a
   * default next to the root: a command must not write outside the directory it was given.
   */
  public Optional<Path> ownershipFile() {
    return Optional.ofNullable(ownershipFile);
  }

  /** What applying one layer did. */
  public record Applied(String layer, long entries, long uncompressedBytes, List<String> notes) {
    public Applied {
      notes = List.copyOf(notes);
    }
  }

  /** Applies the layer file (tar or tar.gz) onto {@code root}; the file name names it in errors. */
  public Applied apply(Path root, Path layerFile) throws IOException {
    try (InputStream in = Files.newInputStream(layerFile)) {
      return apply(root, in, layerFile.getFileName().toString());
    }
  }

  /**
   * Applies one layer (a tar or gzip-compressed tar, told apart by its magic bytes) onto {@code root},
   * which must exist. Reads {@code layer} to its end (so a digest computed while reading covers every
   * byte) and does not close it.
   *
   * @param layerName how errors name the layer (its digest, usually)
   * @throws LayerExtractionException naming the entry at fault
   */
  public Applied apply(Path root, InputStream layer, String layerName) throws IOException {
    Objects.requireNonNull(layerName, "layerName");
    if (!Files.isDirectory(root)) {
      throw new LayerExtractionException(layerName, null, "the root directory " + root + " does not exist");
    }
    Path realRoot = root.toRealPath();
    OwnershipMap ownership = preserveOwnership ? null
        : ownershipFile != null ? OwnershipMap.load(ownershipFile) : OwnershipMap.empty();
    try (LayerApplication run = new LayerApplication(realRoot, layerName, ownership, preserveOwnership,
        maxBytes)) {
      return apply(run, layer, layerName, ownership);
    }
  }

  private Applied apply(LayerApplication run, InputStream layer, String layerName, OwnershipMap ownership)
      throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(new NonClosingInputStream(layer), 64 * 1024);
    InputStream decompressed;
    try {
      decompressed = decompress(buffered, layerName);
    } catch (LayerExtractionException e) {
      throw e;
    } catch (IOException e) {
      throw new LayerExtractionException(layerName, null, "not a readable gzip or tar stream ("
          + describe(e) + "); the blob is corrupt or not a layer, pull it again");
    }
    LimitedInputStream tar = new LimitedInputStream(decompressed, maxBytes);
    try (ExactNameTarInputStream entries = new ExactNameTarInputStream(tar)) {
      for (TarArchiveEntry entry; (entry = nextEntry(entries, tar, layerName, run)) != null; ) {
        if (run.countEntry() > maxEntries) {
          throw new LayerExtractionException(layerName, null, "layer has more than " + maxEntries
              + " entries; raise the limit with LayerExtractor.builder().maxEntries(...) if the image"
              + " is trusted");
        }
        ExactNameTarInputStream.Names raw = entries.rawNames();
        String entryName = ExactNameTarInputStream.escape(raw.name());
        try {
          String name;
          String linkName;
          try {
            name = ExactNameTarInputStream.decode(raw.name(), FILE_NAMES);
            linkName = entry.isLink() || entry.isSymbolicLink()
                ? ExactNameTarInputStream.decode(raw.linkName(), FILE_NAMES) : "";
          } catch (IllegalArgumentException e) {
            throw new LayerExtractionException(layerName, entryName, e.getMessage());
          }
          run.entry(entry, name, linkName, entries,
              entries.localPaxRecord(ReproducibleLayer.CAPABILITY_RECORD));
        } catch (LayerExtractionException e) {
          throw e;
        } catch (IOException e) {
          throw tooLarge(tar, layerName)
              .orElseGet(() -> new LayerExtractionException(layerName, entryName, describe(e), e));
        }
      }
      // Read to the end so a digest taken by the caller covers the whole blob.
      try {
        tar.transferTo(OutputStream.nullOutputStream());
        layer.transferTo(OutputStream.nullOutputStream());
      } catch (LimitedInputStream.LimitExceeded e) {
        throw e;
      } catch (IOException e) {
        throw new LayerExtractionException(layerName, run.lastEntry(), "unreadable data after the last"
            + " entry (" + describe(e) + "); the layer is corrupt or truncated, pull it again", e);
      }
    } catch (LimitedInputStream.LimitExceeded e) {
      throw tooLarge(tar, layerName).orElseThrow();
    }
    run.finish();
    if (ownership != null && ownershipFile != null) {
      run.ownershipMap().save(ownershipFile);
    }
    return new Applied(layerName, run.entries(), tar.count(), run.notes());
  }

  private TarArchiveEntry nextEntry(ExactNameTarInputStream entries, LimitedInputStream tar,
      String layerName, LayerApplication run) throws IOException {
    try {
      return entries.getNextEntry();
    } catch (IOException e) {
      throw tooLarge(tar, layerName).orElseGet(() -> new LayerExtractionException(layerName,
          run.lastEntry(), "unreadable tar after this entry: " + describe(e)
          + "; the layer is corrupt or truncated, pull it again", e));
    }
  }

  private Optional<LayerExtractionException> tooLarge(LimitedInputStream tar, String layer) {
    if (!tar.exceeded()) {
      return Optional.empty();
    }
    return Optional.of(new LayerExtractionException(layer, null, "layer expands beyond "
        + maxBytes + " bytes; raise the limit with LayerExtractor.builder().maxUncompressedBytes(...)"
        + " if the image is trusted"));
  }

  private static InputStream decompress(BufferedInputStream in, String layerName) throws IOException {
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (LayerCompression.isGzip(magic)) {
      // Inflate on another thread while this one creates files: the two overlap on a second core.
      return new ReadAheadInputStream(new GzipCompressorInputStream(in, true), layerName);
    }
    if (LayerCompression.isZstd(magic)) {
      // application/vnd.oci.image.layer.v1.tar+zstd: decoded on another thread too.
      return new ReadAheadInputStream(new io.airlift.compress.zstd.ZstdInputStream(in), layerName);
    }
    return in;
  }

  /** What went wrong, in words: a user reads this, so no Java class names. */
  static String describe(IOException e) {
    if (e instanceof java.io.EOFException) {
      return "the data ends too early";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(java.util.Locale.ROOT);
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return "an I/O error";
    }
    return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
  }

  private static Charset fileNameCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (IllegalArgumentException e) {
      return StandardCharsets.US_ASCII; // unknown: accept only what every charset writes alike
    }
  }


  /** Settings for a {@link LayerExtractor}. */
  public static final class Builder {
    private boolean preserveOwnership = runningAsRoot();
    private long maxBytes = DEFAULT_MAX_BYTES;
    private long maxEntries = DEFAULT_MAX_ENTRIES;
    private Path ownershipFile;

    private Builder() {}

    /**
     * True to chown for real and create device nodes (needs root); false to record intended owners in
     * the sidecar. Default: true exactly when running as root.
     */
    public Builder preserveOwnership(boolean value) {
      this.preserveOwnership = value;
      return this;
    }

    /** The most uncompressed bytes one layer may expand to (a guard against decompression bombs). */
    public Builder maxUncompressedBytes(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("maxUncompressedBytes must be positive");
      }
      this.maxBytes = value;
      return this;
    }

    /** The most entries one layer may have. */
    public Builder maxEntries(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("maxEntries must be positive");
      }
      this.maxEntries = value;
      return this;
    }

    /**
     * Where to keep the ownership sidecar of an unprivileged extraction (loaded before and saved after
     * each layer); by default there is none and the intended owners are not kept.
     */
    public Builder ownershipFile(Path file) {
      this.ownershipFile = file;
      return this;
    }

    public LayerExtractor build() {
      return new LayerExtractor(this);
    }

    private static boolean runningAsRoot() {
      try {
        // /proc/self belongs to the effective user of this process.
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return uid instanceof Integer i && i == 0;
      } catch (IOException | UnsupportedOperationException e) {
        return false;
      }
    }
  }
}
