package dev.lading.exec;

import dev.lading.digest.Digest;
import dev.lading.io.FileTrees;
import dev.lading.layer.RootPaths;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * fakechroot and fakeroot built for an image's own glibc, from the image's own Debian archive: the
 * host's libraries do not load into the programs of an older glibc ({@code GLIBC_2.34 not found}),
 * but the image's release has its own {@code libfakechroot}, {@code libfakeroot} and
 * {@code faked}. They are fetched once per C library, with the image's apt (run under proot, its
 * lists and downloads kept out of the image) and kept in a cache directory of the store; the
 * image's own loader then runs them, so ownership changes are recorded as with the host's.
 *
 * <p>Only for an older glibc than the host's: a newer glibc has dropped symbols (such as
 * {@code __xstat64}) that fakechroot 2.20's wrappers still call, so its programs find no files
 * (they load the host's libfakeroot, under proot: {@link ProotExecutor}).
 *
 * @param loader the image's dynamic loader (a host path inside the root)
 * @param libraryPath the image's library directories (host paths inside the root)
 * @param libfakechroot the image release's libfakechroot.so
 * @param libfakeroot the image release's libfakeroot-sysv.so
 * @param faked the image release's faked-sysv
 * @param loaderTakesArgv0 whether the loader has {@code --argv0} (glibc 2.33 and later), which keeps
 *     a program's own argv[0] when fakechroot runs it through the loader
 */
public record ImageLibraries(Path loader, List<Path> libraryPath, Path libfakechroot, Path libfakeroot,
    Path faked, boolean loaderTakesArgv0) {
  private static final String LIBFAKECHROOT = "usr/lib/x86_64-linux-gnu/fakechroot/libfakechroot.so";
  private static final String LIBFAKEROOT = "usr/lib/x86_64-linux-gnu/libfakeroot/libfakeroot-sysv.so";
  private static final String FAKED = "usr/bin/faked-sysv";
  private static final String LOADER = "lib64/ld-linux-x86-64.so.2";
  private static final List<String> LIBRARY_DIRS = List.of("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
      "lib", "usr/lib");
  /** Where the image's apt sees the host directory it downloads and unpacks into. */
  private static final String TOOLS = "/.lading-executor-libraries";

  /** The loader's {@code --library-path} argument. */
  String libraryPathArgument() {
    return String.join(":", libraryPath.stream().map(Path::toString).toList());
  }

  /**
   * The image's libraries, fetched into {@code cache} unless there already: empty when the image is
   * not an x86-64 Debian-style glibc image with apt, or when apt cannot fetch them (the reason goes
   * to {@code log}; the caller falls back to proot). {@code glibc} is the image's, as the caller read
   * it ({@link Libc#of}).
   */
  public static Optional<ImageLibraries> prepare(Path rootfs, Libc glibc, Path cache, Consumer<String> log)
      throws IOException {
    Path root = rootfs.toRealPath();
    Optional<Path> libc = RootPaths.resolve(root, "lib/x86_64-linux-gnu/libc.so.6");
    Optional<Path> loader = RootPaths.resolve(root, LOADER);
    Optional<Path> apt = RootPaths.resolve(root, "usr/bin/apt-get");
    Optional<Path> proot = HostTools.find("proot");
    if (libc.isEmpty() || loader.isEmpty() || apt.isEmpty() || proot.isEmpty()
        || !Files.isRegularFile(loader.get(), LinkOption.NOFOLLOW_LINKS)) {
      log.accept("the image has no apt-get or no x86-64 glibc loader, or proot is missing");
      return Optional.empty();
    }
    Digest key = Digest.of(libc.get());
    Path dir = cache.resolve(key.hex());
    if (!Files.isRegularFile(dir.resolve(FAKED))) {
      if (!fetch(root, proot.get(), cache, dir, log)) {
        return Optional.empty();
      }
    }
    List<Path> libraryPath = new ArrayList<>();
    for (String d : LIBRARY_DIRS) {
      RootPaths.resolve(root, d).filter(Files::isDirectory).ifPresent(libraryPath::add);
    }
    boolean argv0 = !ExecutorChoice.olderGlibc(glibc, new Libc(Libc.Kind.GLIBC, "2.33"));
    return Optional.of(new ImageLibraries(loader.get(), libraryPath, dir.resolve(LIBFAKECHROOT),
        dir.resolve(LIBFAKEROOT), dir.resolve(FAKED), argv0));
  }

  /**
   * {@code apt-get download} of the three packages and {@code dpkg-deb -x} of each, by the image's
   * own tools under proot, into a fresh directory that is renamed into place when complete (two
   * builds racing both fetch; the first rename wins, the other's copy is dropped).
   */
  private static boolean fetch(Path root, Path proot, Path cache, Path dir, Consumer<String> log)
      throws IOException {
    Files.createDirectories(cache);
    Path work = Files.createTempDirectory(cache, ".fetch-");
    try {
      String apt = "apt-get -q -o Dir::State::Lists=" + TOOLS + "/lists -o Dir::Cache=" + TOOLS + "/cache"
          + " -o Debug::NoLocking=1";
      String script = "set -e; mkdir -p lists/partial cache/archives/partial out; "
          + apt + " update >/dev/null; " + apt + " download libfakechroot libfakeroot fakeroot >/dev/null; "
          + "for d in *.deb; do dpkg-deb -x \"$d\" out; done";
      List<String> command = List.of(proot.toString(), "-0", "-r", root.toString(), "-b", "/dev", "-b",
          "/proc", "-b", "/sys", "-b", work + ":" + TOOLS, "-w", TOOLS, "/bin/sh", "-c", script);
      List<String> lines = new ArrayList<>();
      int exit = CommandLine.run(SyscallFilter.wrap(command, work), Map.of("PATH", RunSpec.DEFAULT_PATH,
          "PROOT_NO_SECCOMP", "1", "PROOT_TMP_DIR", work.toString()), root, lines::add);
      Path out = work.resolve("out");
      if (exit != 0 || !Files.isRegularFile(out.resolve(FAKED)) || !Files.isRegularFile(out.resolve(LIBFAKECHROOT))
          || !Files.isRegularFile(out.resolve(LIBFAKEROOT))) {
        log.accept("the image's apt-get could not fetch libfakechroot and libfakeroot (exit " + exit + ")"
            + (lines.isEmpty() ? "" : ": " + String.join(" / ", lines.subList(Math.max(0, lines.size() - 3),
                lines.size()))));
        return false;
      }
      try {
        Files.move(out, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        // Another build fetched them first: theirs are as good.
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot rename into " + dir, e);
      }
      return true;
    } finally {
      FileTrees.deleteTree(work);
    }
  }
}
