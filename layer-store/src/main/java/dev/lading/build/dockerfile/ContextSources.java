package dev.lading.build.dockerfile;

import dev.lading.digest.Digest;
import dev.lading.dockerfile.DockerIgnore;
import dev.lading.dockerfile.Heredoc;
import dev.lading.dockerfile.Instruction;
import dev.lading.io.FileTrees;
import dev.lading.layer.LayerCompression;
import dev.lading.layer.LayerExtractor;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.layer.RootPaths;
import dev.lading.dockerfile.DockerfileException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The sources of a COPY or ADD, found in the build context (or a stage's or image's root) as Docker
 * finds them: glob patterns ({@code *.jar}, {@code conf/?}), directories copied by their contents,
 * {@code .dockerignore} honoured, nothing outside the context; and put at the destination by Docker's
 * rules (a trailing {@code /} or an existing directory means "into"). ADD extracts a local tar
 * (plain or gzip) into the destination.
 */
final class ContextSources {
  private ContextSources() {}

  /**
   * Copies what {@code patterns} match under {@code root} (and {@code inline} heredocs) to
   * {@code dest}. {@code recordedAt} gives the owner and mode an in-image path of {@code root} has
   * there (for an earlier stage or an image: {@code COPY --from}); null for the build context.
   */
  static void copy(FileCopier copier, Path root, Function<String, Ownership> recordedAt,
      DockerIgnore ignore, Flags flags, List<String> patterns, List<Heredoc> inline,
      List<Download> downloads, String dest, Instruction.Location location, String keyword)
      throws IOException {
    FileCopier.Origin origin = recordedAt == null ? FileCopier.Origin.CONTEXT : FileCopier.Origin.STAGE;
    DockerIgnore excludes = flags.excludes();
    Unpack unpack = flags.unpack();
    Path realRoot = root.toRealPath();
    if (flags.parents()) {
      for (String pattern : patterns) {
        ParentsSource source = parentsSource(realRoot, pattern, recordedAt != null, location, keyword);
        String inImage = source.rel().isEmpty() ? "" : "/" + source.rel();
        copier.copyTree(source.base(), dest, inner -> parentsInclusion(source, ignore, excludes, inner),
            origin, recordedAt == null ? null : p -> recordedAt.apply(inImage + p));
      }
      patterns = List.of();
    }
    List<Path> matches = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.contains("://")) {
        throw new BuildException("line " + location.line() + ": " + keyword + " " + pattern + ": "
            + keyword + " takes no URL; ADD downloads one");
      }
      matches.addAll(find(root, ignore, pattern, location, keyword));
    }
    int count = matches.size() + inline.size() + downloads.size();
    // "dir/", "dir/." and "." (the WORKDIR) all mean into that directory.
    boolean into = dest.endsWith("/") || dest.endsWith("/.") || dest.equals(".");
    if (count > 1 && !into) {
      throw new BuildException("line " + location.line() + ": with more than one source, " + keyword
          + "'s destination must be a directory and end with a /: write " + dest + "/");
    }
    for (Path match : matches) {
      // A source that is a link is copied as what it points at, under its own name (as Docker and
      // buildah do); what is inside a copied directory stays as it is.
      Path source = follow(realRoot, match, recordedAt != null, location, keyword);
      String rel = realRoot.relativize(source).toString();
      String inImage = rel.isEmpty() ? "" : "/" + rel;
      if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
        copier.copyTree(source, dest, inner -> stricter(
            inclusion(ignore, rel.isEmpty() ? inner : rel + "/" + inner, source.resolve(inner)),
            inclusion(excludes, inner, source.resolve(inner))),
            origin, recordedAt == null ? null : p -> recordedAt.apply(inImage + p));
      } else if (unpack.local() && tarCompression(source).isPresent()) {
        extractInto(copier, source, tarCompression(source).get(), dest);
      } else {
        String name = match.getFileName().toString();
        String target = into || copier.isDirectory(dest) ? slash(dest) + name : dest;
        copier.copyFile(source, target, origin, recordedAt == null ? null : recordedAt.apply(inImage));
      }
    }
    for (Heredoc heredoc : inline) {
      copier.writeFile(heredoc.content().getBytes(StandardCharsets.UTF_8),
          into ? dest + heredoc.name() : dest);
    }
    for (Download download : downloads) {
      // Extracted only when ADD says --unpack, as BuildKit leaves a downloaded archive as it is.
      Optional<Compression> archive = unpack.downloads() ? tarCompression(download.file()) : Optional.empty();
      if (archive.isPresent()) {
        extractInto(copier, download.file(), archive.get(), dest);
        continue;
      }
      String target = into || copier.isDirectory(dest) ? slash(dest) + download.name() : dest;
      copier.copyFile(download.file(), target, FileCopier.Origin.CONTEXT, null);
    }
  }

  /**
   * Copies the contents of {@code tree} (a git repository's checkout, {@link GitSources}) into
   * {@code dest}, a directory whatever its last character, leaving out what {@code --exclude} does
   * in any source directory; owners and modes as for the build context.
   */
  static void copyRepository(FileCopier copier, Path tree, String dest, Flags flags) throws IOException {
    copier.copyTree(tree, dest, inner -> inclusion(flags.excludes(), inner, tree.resolve(inner)),
        FileCopier.Origin.CONTEXT, null);
  }

  /**
   * What a COPY's or ADD's flags change in how sources are found and put: {@code --exclude} patterns,
   * {@code --parents}, and which archives are extracted.
   */
  record Flags(DockerIgnore excludes, boolean parents, Unpack unpack) {
    /** A plain copy (a bind mount's source). */
    static final Flags NONE = new Flags(DockerIgnore.empty(), false, Unpack.NONE);

    static Flags of(Instruction.Copying c) throws DockerfileException {
      return new Flags(DockerIgnore.of(c.excludes(), c.keyword() + " --exclude"), c.parents(), Unpack.of(c));
    }
  }

  /**
   * Which archives a copy extracts: COPY none; ADD local ones, and with {@code --unpack} downloaded
   * ones too, or with {@code --unpack=false} none.
   */
  record Unpack(boolean local, boolean downloads) {
    static final Unpack NONE = new Unpack(false, false);

    static Unpack of(Instruction.Copying c) {
      if (!(c instanceof Instruction.Add add)) {
        return NONE;
      }
      return add.unpack().map(on -> new Unpack(on, on)).orElse(new Unpack(true, false));
    }
  }

  /** A file an ADD downloaded ({@link UrlSources}), copied as it is, named {@code name} in a directory. */
  record Download(String name, Path file) {}

  /**
   * What the sources hold, for the step cache: every file's path, type, mode and content digest
   * (and every link's target), so that any change to what a COPY would copy changes its key.
   */
  static Digest fingerprint(Path root, DockerIgnore ignore, Flags flags, List<String> patterns,
      List<Heredoc> inline, Instruction.Location location, String keyword) throws IOException {
    MessageDigest md = Digest.newSha256();
    Path realRoot = root.toRealPath();
    DockerIgnore excludes = flags.excludes();
    if (flags.parents()) {
      for (String pattern : patterns) {
        ParentsSource source = parentsSource(realRoot, pattern, false, location, keyword);
        Files.walkFileTree(source.base(), new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            String inner = source.base().relativize(dir).toString();
            if (!inner.isEmpty() && parentsInclusion(source, ignore, excludes, inner) == FileCopier.Inclusion.SKIP) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            add(pattern, dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            if (parentsInclusion(source, ignore, excludes, source.base().relativize(file).toString())
                == FileCopier.Inclusion.COPY) {
              add(pattern, file);
            }
            return FileVisitResult.CONTINUE;
          }

          private void add(String pattern, Path p) throws IOException {
            entry(md, pattern, "parents", realRoot.relativize(p).toString(), p);
          }
        });
      }
      patterns = List.of();
    }
    for (String pattern : patterns) {
      if (pattern.contains("://")) {
        continue; // refused when the step runs
      }
      for (Path match : find(root, ignore, pattern, location, keyword)) {
        String top = realRoot.relativize(match).toString();
        List<Path> all = new ArrayList<>();
        if (Files.isDirectory(match)) {
          try (Stream<Path> walk = Files.walk(match)) {
            walk.sorted().forEach(all::add);
          }
        } else {
          all.add(match);
        }
        for (Path p : all) {
          String rel = realRoot.relativize(p).toString();
          if (!p.equals(match) && (excluded(ignore, rel, p)
              || excluded(excludes, match.relativize(p).toString(), p))) {
            continue;
          }
          entry(md, pattern, top, rel, p);
        }
      }
    }
    for (Heredoc heredoc : inline) {
      md.update(("heredoc\0" + heredoc.name() + "\0" + heredoc.content() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return Digest.fromRaw(md.digest());
  }

  /** One path of the fingerprint: its type, mode, and content digest or link target. */
  private static void entry(MessageDigest md, String pattern, String top, String rel, Path p) throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    String what = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
        : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "file " + Digest.of(p) : "dir";
    md.update((pattern + "\0" + top + "\0" + rel + "\0" + Integer.toOctalString(mode) + "\0" + what
        + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A {@code COPY --parents} source: the directory its pattern is matched in (the root, or what
   * comes before a {@code /./} pivot), that directory's path in the root, and the pattern, which
   * matches as a {@code .dockerignore} line does (null: everything).
   */
  private record ParentsSource(Path base, String rel, DockerIgnore include) {}

  /**
   * Splits a {@code --parents} source at its pivot, as BuildKit does: {@code x/./y/*.txt} copies
   * what {@code y/*.txt} matches in {@code x}, as {@code y/...}; without a pivot the pattern is
   * matched in the root and keeps every directory. A path without wildcards must exist.
   */
  private static ParentsSource parentsSource(Path realRoot, String written, boolean image,
      Instruction.Location location, String keyword) throws IOException {
    int pivot = written.indexOf("/./");
    String base = clean(pivot < 0 ? "" : written.substring(0, pivot), written, location, keyword);
    String pattern = clean(pivot < 0 ? written : written.substring(pivot + 3), written, location, keyword);
    Path dir = base.isEmpty() ? realRoot : follow(realRoot, realRoot.resolve(base), image, location, keyword);
    String what = "line " + location.line() + ": " + keyword + " --parents " + written;
    if (!Files.isDirectory(dir)) {
      throw new BuildException(what + ": " + base + " is not a directory in the build context");
    }
    if (!pattern.matches(".*[*?\\[].*") && !pattern.isEmpty()
        && !Files.exists(dir.resolve(pattern), LinkOption.NOFOLLOW_LINKS)) {
      throw new BuildException(what + ": not found in the build context");
    }
    try {
      return new ParentsSource(dir, realRoot.relativize(dir).toString(),
          pattern.isEmpty() ? null : DockerIgnore.of(List.of(pattern), keyword + " --parents"));
    } catch (DockerfileException e) {
      throw new BuildException(what + ": " + e.problem());
    }
  }

  /** {@code pattern} with {@code ./} and {@code ..} resolved, relative; leaving the root is refused. */
  private static String clean(String pattern, String written, Instruction.Location location, String keyword)
      throws BuildException {
    String clean = Path.of("/" + pattern).normalize().toString().substring(1);
    if (clean.startsWith("..")) {
      throw new BuildException("line " + location.line() + ": " + keyword + " " + written
          + " points outside the build context; sources must be inside it");
    }
    return clean;
  }

  /**
   * What a {@code --parents} copy does with {@code inner} (a path under the source's base): copies
   * what the pattern matches (and all under it), and on the way there the directories that may hold
   * a match, made only when something in them is copied; {@code .dockerignore} and {@code --exclude}
   * as for any source.
   */
  private static FileCopier.Inclusion parentsInclusion(ParentsSource source, DockerIgnore ignore,
      DockerIgnore excludes, String inner) {
    Path path = source.base().resolve(inner);
    boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    FileCopier.Inclusion wanted = source.include() == null || source.include().excluded(inner, directory)
        ? FileCopier.Inclusion.COPY
        : directory && source.include().mayMatchUnder(inner) ? FileCopier.Inclusion.PARENT
        : FileCopier.Inclusion.SKIP;
    String inContext = source.rel().isEmpty() ? inner : source.rel() + "/" + inner;
    return stricter(wanted, stricter(inclusion(ignore, inContext, path), inclusion(excludes, inner, path)));
  }

  /** The paths a source pattern names, sorted; a missing or ignored one is an error. */
  private static List<Path> find(Path root, DockerIgnore ignore, String pattern,
      Instruction.Location location, String keyword) throws IOException {
    String clean = clean(pattern, pattern, location, keyword);
    Path realRoot = root.toRealPath();
    if (!clean.matches(".*[*?\\[].*")) {
      Path path = clean.isEmpty() ? realRoot : realRoot.resolve(clean);
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || (!clean.isEmpty()
          && excluded(ignore, clean, path))) {
        throw new BuildException("line " + location.line() + ": " + keyword + " " + pattern
            + ": not found in the build context (or excluded by .dockerignore)");
      }
      return List.of(path); // a link is followed when copied (follow)
    }
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + clean);
    List<Path> found = new ArrayList<>();
    try (Stream<Path> all = Files.walk(realRoot)) {
      all.filter(p -> !p.equals(realRoot)).forEach(p -> {
        Path rel = realRoot.relativize(p);
        if (matcher.matches(rel) && !excluded(ignore, rel.toString(), p)) {
          found.add(p);
        }
      });
    }
    if (found.isEmpty()) {
      throw new BuildException("line " + location.line() + ": " + keyword + " " + pattern
          + ": no file in the build context matches it");
    }
    found.sort(null);
    return found;
  }

  /**
   * What two matchers allow together, e.g. COPY's {@code --exclude} patterns (matched under each
   * source directory, as BuildKit does; never the source itself) and the context's
   * {@code .dockerignore}: the stricter.
   */
  private static FileCopier.Inclusion stricter(FileCopier.Inclusion a, FileCopier.Inclusion b) {
    return rank(a) >= rank(b) ? a : b;
  }

  private static int rank(FileCopier.Inclusion inclusion) {
    return switch (inclusion) {
      case COPY -> 0;
      case PARENT -> 1;
      case ONLY_CONTENTS -> 2;
      case SKIP -> 3;
    };
  }

  private static boolean excluded(DockerIgnore ignore, String rel, Path path) {
    return inclusion(ignore, rel, path) == FileCopier.Inclusion.SKIP;
  }

  private static FileCopier.Inclusion inclusion(DockerIgnore ignore, String rel, Path path) {
    boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    if (!ignore.excluded(rel, directory)) {
      return FileCopier.Inclusion.COPY;
    }
    return directory && ignore.mayReinclude(rel) ? FileCopier.Inclusion.ONLY_CONTENTS
        : FileCopier.Inclusion.SKIP;
  }

  /**
   * What source {@code match} (a path under {@code realRoot}) is when copied: itself, or for a link
   * what it points at, within the root: an image's links are resolved inside the stage's root file
   * system, the context's must stay inside the context.
   */
  private static Path follow(Path realRoot, Path match, boolean image, Instruction.Location location,
      String keyword) throws IOException {
    String what = "line " + location.line() + ": " + keyword + " " + realRoot.relativize(match);
    if (image) {
      return RootPaths.resolve(realRoot, "/" + realRoot.relativize(match))
          .orElseThrow(() -> new BuildException(what + " is a link to nothing"));
    }
    Path real;
    try {
      real = match.toRealPath();
    } catch (java.nio.file.NoSuchFileException dangling) {
      throw new BuildException(what + " is a link to nothing");
    }
    if (!real.startsWith(realRoot)) {
      throw new BuildException(what + " is a link that leads outside the build context");
    }
    return real;
  }

  /** How a tar that ADD extracts is compressed. */
  private enum Compression { NONE, GZIP, BZIP2, XZ, ZSTD }

  /**
   * The compression of {@code file} when it is a tar that ADD extracts (plain, gzip, bzip2, xz or zstd, as
   * Docker extracts them; told by its first bytes, and for a compressed one by a tar header inside),
   * else empty: any other file, a gzipped text among them, is copied as it is.
   */
  private static Optional<Compression> tarCompression(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(512);
    }
    Compression c = LayerCompression.isGzip(head) ? Compression.GZIP
        : startsWith(head, 'B', 'Z', 'h') ? Compression.BZIP2
        : startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0) ? Compression.XZ
        : LayerCompression.isZstd(head) ? Compression.ZSTD : Compression.NONE;
    if (c != Compression.NONE) {
      try (InputStream in = decompressed(file, c)) {
        head = in.readNBytes(512);
      } catch (IOException notCompressedAfterAll) {
        return Optional.empty();
      }
    }
    boolean tar = head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    return tar ? Optional.of(c) : Optional.empty();
  }

  private static boolean startsWith(byte[] bytes, int... magic) {
    if (bytes.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((bytes[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static InputStream decompressed(Path file, Compression c) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    try {
      return switch (c) {
        case GZIP -> new GzipCompressorInputStream(raw, true);
        case BZIP2 -> new BZip2CompressorInputStream(raw, true);
        case XZ -> new XZCompressorInputStream(raw, true);
        case ZSTD -> new io.airlift.compress.zstd.ZstdInputStream(raw);
        case NONE -> raw;
      };
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private static void extractInto(FileCopier copier, Path archive, Compression compression, String dest)
      throws IOException {
    Path temp = Files.createTempDirectory(archive.getFileSystem().getPath(System.getProperty("java.io.tmpdir")),
        "lading-add-");
    try {
      Path tar = archive;
      if (compression == Compression.BZIP2 || compression == Compression.XZ) {
        // The extractor reads plain, gzip and zstd tars; these are made plain first.
        tar = temp.resolve("archive.tar");
        try (InputStream in = decompressed(archive, compression)) {
          Files.copy(in, tar);
        }
      }
      Path into = Files.createDirectory(temp.resolve("root"));
      Path owners = temp.resolve("ownership.json");
      LayerExtractor.builder().preserveOwnership(false).ownershipFile(owners).build().apply(into, tar);
      OwnershipMap recorded = OwnershipMap.load(owners);
      copier.copyTree(into, dest, rel -> FileCopier.Inclusion.COPY, FileCopier.Origin.ARCHIVE,
          path -> recorded.entries().get(path));
    } finally {
      FileTrees.deleteTree(temp);
    }
  }

  private static String slash(String dir) {
    return dir.endsWith("/") ? dir : dir + "/";
  }
}
