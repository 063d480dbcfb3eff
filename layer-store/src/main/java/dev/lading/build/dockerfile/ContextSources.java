package dev.lading.build.dockerfile;

import dev.lading.digest.Digest;
import dev.lading.dockerfile.DockerIgnore;
import dev.lading.dockerfile.Heredoc;
import dev.lading.dockerfile.Instruction;
import dev.lading.io.FileTrees;
import dev.lading.layer.LayerExtractor;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Ownership;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

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
      DockerIgnore ignore, List<String> patterns, List<Heredoc> inline, String dest, boolean add,
      Instruction.Location location, String keyword) throws IOException {
    FileCopier.Origin origin = recordedAt == null ? FileCopier.Origin.CONTEXT : FileCopier.Origin.STAGE;
    List<Path> matches = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.contains("://")) {
        throw new BuildException("line " + location.line() + ": " + keyword + " " + pattern + ": "
            + "sources from URLs are not supported yet; download in a RUN step or COPY the file");
      }
      matches.addAll(find(root, ignore, pattern, location, keyword));
    }
    int count = matches.size() + inline.size();
    boolean into = dest.endsWith("/");
    if (count > 1 && !into) {
      throw new BuildException("line " + location.line() + ": with more than one source, " + keyword
          + "'s destination must be a directory and end with a /: write " + dest + "/");
    }
    for (Path match : matches) {
      String rel = root.relativize(match).toString();
      String inImage = rel.isEmpty() ? "" : "/" + rel;
      if (Files.isDirectory(match)) {
        copier.copyTree(match, dest, inner -> inclusion(ignore, rel.isEmpty() ? inner : rel + "/" + inner,
            match.resolve(inner)), origin, recordedAt == null ? null : p -> recordedAt.apply(inImage + p));
      } else if (add && isTar(match)) {
        extractInto(copier, match, dest);
      } else {
        String name = match.getFileName().toString();
        String target = into || copier.isDirectory(dest) ? slash(dest) + name : dest;
        copier.copyFile(match, target, origin, recordedAt == null ? null : recordedAt.apply(inImage));
      }
    }
    for (Heredoc heredoc : inline) {
      copier.writeFile(heredoc.content().getBytes(StandardCharsets.UTF_8),
          into ? dest + heredoc.name() : dest);
    }
  }

  /**
   * What the sources hold, for the step cache: every file's path, type, mode and content digest
   * (and every link's target), so that any change to what a COPY would copy changes its key.
   */
  static Digest fingerprint(Path root, DockerIgnore ignore, List<String> patterns, List<Heredoc> inline,
      Instruction.Location location, String keyword) throws IOException {
    MessageDigest md = Digest.newSha256();
    Path realRoot = root.toRealPath();
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
          if (!p.equals(match) && excluded(ignore, rel, p)) {
            continue;
          }
          int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
          String what = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
              : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "file " + Digest.of(p) : "dir";
          md.update((pattern + "\0" + top + "\0" + rel + "\0" + Integer.toOctalString(mode) + "\0" + what
              + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    for (Heredoc heredoc : inline) {
      md.update(("heredoc\0" + heredoc.name() + "\0" + heredoc.content() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return Digest.fromRaw(md.digest());
  }

  /** The paths a source pattern names, sorted; a missing or ignored one is an error. */
  private static List<Path> find(Path root, DockerIgnore ignore, String pattern,
      Instruction.Location location, String keyword) throws IOException {
    String clean = Path.of("/" + pattern).normalize().toString().substring(1);
    if (clean.startsWith("..")) {
      throw new BuildException("line " + location.line() + ": " + keyword + " " + pattern
          + " points outside the build context; sources must be inside it");
    }
    Path realRoot = root.toRealPath();
    if (!clean.matches(".*[*?\\[].*")) {
      Path path = clean.isEmpty() ? realRoot : realRoot.resolve(clean);
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || (!clean.isEmpty()
          && excluded(ignore, clean, path))) {
        throw new BuildException("line " + location.line() + ": " + keyword + " " + pattern
            + ": not found in the build context (or excluded by .dockerignore)");
      }
      // A named source that is a link is followed, but only within the context.
      Path real = path.toRealPath();
      if (!real.startsWith(realRoot)) {
        throw new BuildException("line " + location.line() + ": " + keyword + " " + pattern
            + " is a link that leads outside the build context");
      }
      return List.of(real);
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

  /** A plain or gzip tar: what ADD extracts (other files are copied as they are). */
  private static boolean isTar(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(512);
    }
    if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return true;
    }
    return head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
  }

  private static void extractInto(FileCopier copier, Path archive, String dest) throws IOException {
    Path temp = Files.createTempDirectory(archive.getFileSystem().getPath(System.getProperty("java.io.tmpdir")),
        "lading-add-");
    try {
      Path into = Files.createDirectory(temp.resolve("root"));
      Path owners = temp.resolve("ownership.json");
      LayerExtractor.builder().preserveOwnership(false).ownershipFile(owners).build().apply(into, archive);
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
