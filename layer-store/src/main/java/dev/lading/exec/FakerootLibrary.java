package dev.lading.exec;

import dev.lading.layer.RootPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A libfakeroot and the faked it talks to, as a step preloads them: the host's, which loads into
 * programs of the host's glibc or a newer one (a library keeps working with later glibc
 * releases), or an image release's own, run by the image's loader ({@link ImageLibraries}).
 *
 * @param faked the command that starts faked, before its options
 * @param library libfakeroot-sysv.so (a host path)
 * @param ls a command that runs an {@code ls} able to load {@code library}, before its arguments
 */
record FakerootLibrary(List<String> faked, Path library, List<String> ls) {
  private static final Pattern BINDIR = Pattern.compile("(?m)^FAKEROOT_BINDIR=(/[^\\s'\"$`]+)$");
  private static final Pattern PREFIX = Pattern.compile("(?m)^FAKEROOT_PREFIX=(/[^\\s'\"$`]+)$");
  private static final Pattern FAKED = Pattern.compile("(?m)^FAKED=\\$\\{FAKEROOT_BINDIR\\}/(faked[A-Za-z0-9_-]*)$");
  private static final Pattern LIB = Pattern.compile("(?m)^FAKEROOT_LIB=(libfakeroot[A-Za-z0-9_.-]*\\.so)$");
  private static final Pattern PATHS = Pattern.compile("(?m)^PATHS=([^\\s'\"`]+)$");
  private static final Pattern GLIBC_VERSION = Pattern.compile("GLIBC_(\\d+\\.\\d+(?:\\.\\d+)?)");

  /**
   * The host's, read from the fakeroot script as it would start them ({@code FAKED=...},
   * {@code FAKEROOT_LIB=...}, the first of {@code PATHS} holding it); empty when fakeroot is not
   * installed or its script says otherwise than this reads.
   */
  static Optional<FakerootLibrary> host() {
    try {
      Optional<Path> script = HostTools.find("fakeroot");
      if (script.isEmpty() || Files.size(script.get()) > 64 * 1024) {
        return Optional.empty();
      }
      String text = Files.readString(script.get(), StandardCharsets.ISO_8859_1);
      Matcher bindir = BINDIR.matcher(text);
      Matcher faked = FAKED.matcher(text);
      if (!bindir.find() || !faked.find()) {
        return Optional.empty();
      }
      Path program = Path.of(bindir.group(1), faked.group(1));
      if (!Files.isExecutable(program)) {
        return Optional.empty();
      }
      Matcher prefix = PREFIX.matcher(text);
      Matcher lib = LIB.matcher(text);
      Matcher paths = PATHS.matcher(text);
      Path library = null;
      if (lib.find() && paths.find()) {
        String dirs = prefix.find() ? paths.group(1).replace("${FAKEROOT_PREFIX}", prefix.group(1)) : paths.group(1);
        for (String dir : dirs.split(":")) {
          if (dir.startsWith("/") && !dir.contains("$") && Files.isRegularFile(Path.of(dir, lib.group(1)))) {
            library = Path.of(dir, lib.group(1));
            break;
          }
        }
      }
      return library == null ? Optional.empty()
          : Optional.of(new FakerootLibrary(List.of(program.toString()), library, List.of("/bin/ls")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The image release's own, run by the image's loader. */
  static FakerootLibrary of(ImageLibraries libs, Path root) throws IOException {
    Path ls = RootPaths.resolve(root, "bin/ls").orElseThrow(() -> new ExecutorException(
        "the image has no /bin/ls, which fakeroot with the image's libraries needs"));
    List<String> loader = List.of(libs.loader().toString(), "--library-path", libs.libraryPathArgument());
    List<String> faked = new ArrayList<>(loader);
    faked.add(libs.faked().toString());
    List<String> lsCommand = new ArrayList<>(loader);
    lsCommand.add(ls.toString());
    return new FakerootLibrary(faked, libs.libfakeroot(), lsCommand);
  }

  /**
   * Whether the library loads into programs of {@code image}'s C library: a glibc at least as new
   * as the newest symbol version it was linked against (2.34 for Debian 12's, whose dlsym moved into
   * libc then), read from the version names in the file.
   */
  boolean loadsInto(Libc image) throws IOException {
    if (image.kind() != Libc.Kind.GLIBC || image.version().isEmpty() || Files.size(library) > 16 << 20) {
      return false;
    }
    Matcher m = GLIBC_VERSION.matcher(new String(Files.readAllBytes(library), StandardCharsets.ISO_8859_1));
    Libc newest = null;
    while (m.find()) {
      Libc needed = new Libc(Libc.Kind.GLIBC, m.group(1));
      if (newest == null || ExecutorChoice.olderGlibc(newest, needed)) {
        newest = needed;
      }
    }
    return newest != null && !ExecutorChoice.olderGlibc(image, newest);
  }
}
