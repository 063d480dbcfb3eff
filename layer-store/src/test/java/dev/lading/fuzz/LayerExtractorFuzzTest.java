package dev.lading.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lading.io.FileTrees;
import dev.lading.layer.LayerExtractionException;
import dev.lading.layer.LayerExtractor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fuzzes {@link LayerExtractor#apply(Path, java.io.InputStream, String)} with raw layer bytes (tar or
 * tar.gz). The only accepted failure is a {@link LayerExtractionException}; whatever the input, nothing
 * outside the root may change: a sibling directory (which a symlink in the lower layer points at) is
 * compared before and after.
 *
 * <p>Each input is applied onto a fresh root that already holds a small "lower layer" (directories,
 * files, absolute and relative symlinks, one pointing at the sibling), so whiteouts and symlinked
 * parents have something to work on. Ownership is not preserved and the limits are small.
 *
 * <p>Seeds in {@code LayerExtractorFuzzTestInputs/applyLayer/} were written by GNU tar (ustar, gnu,
 * pax and sparse formats, one gzip-compressed): a base layer, whiteouts, long names, a sparse file,
 * and names and symlinks that try to leave the root. The extractor runs {@code ln} for symlink targets
 * Java would normalise and {@code mknod} for FIFOs, so some inputs start short processes.
 */
class LayerExtractorFuzzTest {
  private static final Path WORK = createWork();
  private static final FileTime FIXED = FileTime.fromMillis(1_577_836_800_000L);

  @FuzzTest
  void applyLayer(byte[] layer) throws IOException {
    Path base = Files.createDirectory(WORK.resolve("run"));
    try {
      Path root = Files.createDirectory(base.resolve("root"));
      Path sibling = Files.createDirectory(base.resolve("sibling"));
      Path ownership = base.resolve("ownership.json");
      writeLower(root, sibling);
      String before = snapshot(sibling);
      LayerExtractor extractor = LayerExtractor.builder()
          .preserveOwnership(false)
          .ownershipFile(ownership)
          .maxUncompressedBytes(4L << 20)
          .maxEntries(2_000)
          .build();
      try {
        extractor.apply(root, new ByteArrayInputStream(layer), "fuzz-input");
      } catch (LayerExtractionException e) {
        // The named error (any other exception is a finding); its message must say which layer failed.
        assertTrue(e.getMessage().startsWith("layer fuzz-input"), e.getMessage());
      }
      assertEquals(before, snapshot(sibling), "the sibling of the root changed");
      try (Stream<Path> top = Files.list(base)) {
        List<String> names = top.map(p -> p.getFileName().toString()).sorted().toList();
        assertTrue(List.of("ownership.json", "root", "sibling").containsAll(names),
            "something was created next to the root: " + names);
      }
      try (Stream<Path> work = Files.list(WORK)) {
        assertEquals(List.of(base), work.toList(), "something was created next to the run directory");
      }
    } finally {
      FileTrees.deleteTree(base);
    }
  }

  /** The lower layer the input is applied onto, and the sibling's content. */
  private static void writeLower(Path root, Path sibling) throws IOException {
    Files.writeString(sibling.resolve("secret"), "must not change");
    Files.createDirectory(sibling.resolve("dir"));
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/os-release"), "ID=lower");
    Files.createDirectories(root.resolve("usr/lib"));
    Files.writeString(root.resolve("usr/lib/libx.so.1"), "lib");
    Files.createSymbolicLink(root.resolve("usr/lib/libx.so"), Path.of("libx.so.1"));
    Files.createSymbolicLink(root.resolve("lib"), Path.of("/usr/lib"));
    Files.createSymbolicLink(root.resolve("escape"), Path.of("../sibling"));
    Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../.."));
    Files.createDirectories(root.resolve("app"));
    Files.writeString(root.resolve("app/run.sh"), "java -jar app.jar");
    Files.setLastModifiedTime(sibling.resolve("secret"), FIXED);
    Files.setLastModifiedTime(sibling.resolve("dir"), FIXED);
    Files.setLastModifiedTime(sibling, FIXED);
  }

  /** Names, types, link counts, sizes, times and content hashes of everything in {@code dir}. */
  private static String snapshot(Path dir) throws IOException {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted().toList()) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        out.append(dir.relativize(p)).append(' ')
            .append(a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : a.isRegularFile() ? "f" : "o")
            .append(' ').append(Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS))
            .append(' ').append(a.size()).append(' ').append(a.lastModifiedTime());
        if (a.isRegularFile()) {
          out.append(' ').append(sha256(Files.readAllBytes(p)));
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path createWork() {
    try {
      Path work = Files.createTempDirectory("lading-fuzz-extract");
      work.toFile().deleteOnExit();
      return work;
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a scratch directory for the extractor fuzz test", e);
    }
  }
}
