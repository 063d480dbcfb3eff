package dev.lading.store;

import dev.lading.io.AtomicFiles;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Repository tags ({@code <repository>:<tag>} of the OCI distribution spec) on disk: one file per tag
 * at {@code .lading/repositories/<repository path>/_tags/<tag>} holding the descriptor's JSON, the
 * way CNCF distribution keeps {@code repositories/<name>/_manifests/tags/<tag>/current/link}.
 *
 * <p>Why not refs: every ref change regenerates {@code index.json} from all refs, which is right for
 * the few images users name but grows with the store. A registry mirror records thousands of tags
 * from several processes; here setting a tag touches only its own file (O(1), no shared file, no
 * lock but the store lease), so writers of different tags never contend and never lose each other's
 * updates. Tags are invisible to OCI tools reading {@code index.json}; that is the point.
 *
 * <p>Names follow the distribution grammar, which also makes the mapping to paths safe: repository
 * components start and end with {@code [a-z0-9]} (no {@code .}, {@code ..} or empty component, no
 * separator but '/'), tags cannot start with '.', and the {@code _tags} directory cannot be a
 * repository component because components cannot start with '_'. On a case-insensitive file system
 * tags differing only in case share one file (Linux, the mirror's platform, is case-sensitive).
 */
final class RepositoryTags {
  /** The directory of a repository's tags; no repository component can have this name. */
  static final String TAGS_DIR = "_tags";
  /** The distribution reference grammar's limit on the whole name. */
  static final int MAX_REPOSITORY = 255;

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

  private final Layout layout;

  RepositoryTags(Layout layout) {
    this.layout = layout;
  }

  /** One tag file found on disk, not yet read. */
  record TagFile(String repository, String tag, Path file) {}

  /** Everything under {@code .lading/repositories}: tag files and temp files of interrupted writes. */
  record Scan(List<TagFile> tags, List<Path> tempFiles) {}

  static boolean isRepository(String repository) {
    return repositoryProblem(repository) == null;
  }

  static boolean isTag(String tag) {
    return tag != null && TAG.matcher(tag).matches();
  }

  static void validateRepository(String repository) {
    String problem = repositoryProblem(repository);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  static void validateTag(String tag) {
    if (tag == null || tag.isEmpty()) {
      throw new IllegalArgumentException("a tag must not be empty");
    }
    if (!isTag(tag)) {
      throw new IllegalArgumentException("invalid tag '" + printable(tag) + "': a tag is 1 to 128"
          + " characters of letters, digits, '_', '.' and '-', and does not start with '.' or '-'"
          + " (OCI distribution grammar [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})");
    }
  }

  private static String repositoryProblem(String repository) {
    if (repository == null || repository.isEmpty()) {
      return "a repository name must not be empty";
    }
    if (repository.length() > MAX_REPOSITORY) {
      return "repository name is longer than " + MAX_REPOSITORY + " characters: "
          + printable(repository.substring(0, 60)) + "...";
    }
    for (String component : repository.split("/", -1)) {
      if (component.isEmpty()) {
        return "invalid repository name '" + printable(repository) + "': it has an empty path"
            + " component (a leading, trailing or doubled '/')";
      }
      if (!COMPONENT.matcher(component).matches()) {
        return "invalid repository name '" + printable(repository) + "': component '"
            + printable(component) + "' must be lower-case letters and digits, separated by one"
            + " '.', one or two '_', or dashes, and must start and end with a letter or digit"
            + " (OCI distribution grammar [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)";
      }
    }
    return null;
  }

  private static String printable(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }

  /** The directory of a validated repository name: one path component per name component. */
  Path repositoryDir(String repository) {
    Path dir = layout.repositories();
    for (String component : repository.split("/")) {
      dir = dir.resolve(component);
    }
    return dir;
  }

  Path tagsDir(String repository) {
    return repositoryDir(repository).resolve(TAGS_DIR);
  }

  Path file(String repository, String tag) {
    return tagsDir(repository).resolve(tag);
  }

  /** Reads a tag; names must be validated. */
  Optional<Descriptor> read(String repository, String tag) throws IOException {
    try {
      return Optional.of(readFile(file(repository, tag)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** A tag file whose content is not a descriptor (edited by hand, or damaged on disk). */
  static final class CorruptTagException extends IOException {
    CorruptTagException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The descriptor in a tag file. */
  static Descriptor readFile(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Descriptor descriptor;
    try {
      descriptor = Json.read(bytes, Descriptor.class, "tag file " + file);
    } catch (RuntimeException e) {
      descriptor = null;
      if (bytes.length > 0) {
        throw new CorruptTagException(e.getMessage() + "; run fsck (it moves the file to"
            + " quarantine) and set the tag again", e);
      }
    }
    if (descriptor == null) {
      throw new CorruptTagException("tag file " + file + " holds no descriptor; run fsck (it moves"
          + " the file to quarantine) and set the tag again", null);
    }
    return descriptor;
  }

  /**
   * Points a tag at {@code target}: reads at most the tag's own file and writes only it. Caller holds
   * a lease (so gc, which removes empty directories, cannot remove the directory under this write).
   *
   * @return false when the tag already pointed there and nothing was written
   */
  boolean write(String repository, String tag, Descriptor target) throws IOException {
    return AtomicFiles.writeIfChanged(file(repository, tag), Json.write(target));
  }

  boolean delete(String repository, String tag) throws IOException {
    Path file = file(repository, tag);
    boolean existed = Files.deleteIfExists(file);
    if (existed) {
      AtomicFiles.syncDirectory(file.getParent());
    }
    return existed;
  }

  /** The tags of one repository, sorted: one directory listing, no file read. */
  List<String> tags(String repository) throws IOException {
    List<String> tags = new ArrayList<>();
    for (Path file : list(tagsDir(repository))) {
      String name = file.getFileName().toString();
      if (isTag(name)) { // skips temp files, which start with '.'
        tags.add(name);
      }
    }
    Collections.sort(tags);
    return tags;
  }

  /**
   * The repositories that have at least one tag, sorted as strings (the order of the registry's
   * {@code _catalog}). Costs one directory listing per directory of the tree, no file read.
   */
  List<String> repositories() throws IOException {
    List<String> names = new ArrayList<>();
    walk(layout.repositories(), "", (repository, tagsDir) -> {
      if (hasTag(tagsDir)) {
        names.add(repository);
      }
    });
    Collections.sort(names);
    return names;
  }

  /** Every tag file and leftover temp file; for gc and fsck. */
  Scan scan() throws IOException {
    List<TagFile> tags = new ArrayList<>();
    List<Path> temps = new ArrayList<>();
    walk(layout.repositories(), "", (repository, tagsDir) -> {
      for (Path file : list(tagsDir)) {
        String name = file.getFileName().toString();
        if (isTag(name) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          tags.add(new TagFile(repository, name, file));
        } else if (name.startsWith(".") && name.endsWith(AtomicFiles.TMP_SUFFIX)) {
          temps.add(file);
        }
      }
    });
    tags.sort((a, b) -> a.repository().equals(b.repository())
        ? a.tag().compareTo(b.tag()) : a.repository().compareTo(b.repository()));
    return new Scan(tags, temps);
  }

  /**
   * Removes tag directories without files and repository directories left empty. Only under the
   * exclusive lease: a tag writer creates the directories and then its file under a shared lease.
   *
   * @return the number of directories removed
   */
  int pruneEmptyDirectories() throws IOException {
    return prune(layout.repositories(), false);
  }

  private int prune(Path dir, boolean removeIfEmpty) throws IOException {
    int removed = 0;
    for (Path child : list(dir)) {
      String name = child.getFileName().toString();
      boolean ours = name.equals(TAGS_DIR) || COMPONENT.matcher(name).matches();
      if (ours && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
        removed += prune(child, true);
      }
    }
    if (removeIfEmpty && list(dir).isEmpty()) {
      try {
        Files.delete(dir);
        AtomicFiles.syncDirectory(dir.getParent());
        removed++;
      } catch (DirectoryNotEmptyException | NoSuchFileException changedMeanwhile) {
        // a tag deleted or a stale temp file: nothing to prune here this time
      }
    }
    return removed;
  }

  private interface TagsDirVisitor {
    void visit(String repository, Path tagsDir) throws IOException;
  }

  /** Visits the tag directory of every repository below {@code dir}; never follows symlinks. */
  private static void walk(Path dir, String prefix, TagsDirVisitor visitor) throws IOException {
    for (Path child : list(dir)) {
      if (!Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      String name = child.getFileName().toString();
      if (name.equals(TAGS_DIR)) {
        if (!prefix.isEmpty()) {
          visitor.visit(prefix, child);
        }
      } else if (COMPONENT.matcher(name).matches()) {
        walk(child, prefix.isEmpty() ? name : prefix + "/" + name, visitor);
      }
    }
  }

  private static boolean hasTag(Path tagsDir) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(tagsDir)) {
      for (Path file : files) {
        if (isTag(file.getFileName().toString())) {
          return true;
        }
      }
    } catch (NoSuchFileException | NotDirectoryException goneMeanwhile) {
      return false;
    }
    return false;
  }

  private static List<Path> list(Path dir) throws IOException {
    List<Path> paths = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(paths::add);
    } catch (NoSuchFileException | NotDirectoryException absent) {
      return paths;
    }
    return paths;
  }
}
