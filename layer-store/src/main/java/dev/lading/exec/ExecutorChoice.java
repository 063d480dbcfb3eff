package dev.lading.exec;

import dev.lading.model.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which executor runs a base image's steps, and why, so that the log can say it. {@code auto}
 * takes fakechroot when the image's glibc is the host's (the only case where the host's preloaded
 * libraries load: an older glibc lacks their symbols, a newer one breaks on the host's loader, and
 * static or musl programs never load them); for an older glibc, fakechroot with the libraries of
 * the image's own release ({@link ImageLibraries}) when its apt can fetch them; else, for a glibc
 * the host's libfakeroot loads into (a newer one, or one not older than its symbols), proot with
 * that libfakeroot; plain proot otherwise.
 *
 * @param executor the executor
 * @param reason one line for the log
 */
public record ExecutorChoice(RootfsExecutor executor, String reason) {
  /** The store cache ({@code Store.cacheDirectory}) that keeps {@link ImageLibraries}. */
  public static final String LIBRARIES_CACHE = "executor-libraries";

  /** What goes wrong when fakechroot starts every program through the image's loader. */
  private static final String THROUGH_LOADER = "programs that look for themselves fail"
      + " (/proc/self/exe names the loader; java, started through /usr/bin/java, finds no libjli.so),"
      + " which proot with the image's own libfakeroot avoids";

  /** What a user may ask for. */
  public enum Kind { AUTO, FAKECHROOT, PROOT;

    /** Parses {@code auto|fakechroot|proot}. */
    public static Kind parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown executor '" + text + "': use auto, fakechroot or proot");
      }
    }
  }

  /**
   * Chooses for the root file system {@code rootfs} of an image for {@code platform} (null: this
   * machine's): another machine's programs run only under proot with a qemu emulator
   * ({@link Emulation}).
   *
   * @param librariesCache where the libraries of an older glibc's release are kept
   *     ({@link ImageLibraries}); null to never fetch them
   * @throws ExecutorException when the image is for another machine and no emulator is installed,
   *     or fakechroot is asked for
   */
  public static ExecutorChoice choose(Kind kind, Path rootfs, Platform platform, Path librariesCache)
      throws IOException {
    if (platform == null || !Emulation.needed(platform)) {
      return choose(kind, rootfs, librariesCache);
    }
    String host = Platform.current().toString();
    Optional<Path> emulator = Emulation.emulator(platform);
    if (emulator.isEmpty()) {
      throw new ExecutorException("the image is for " + platform + " and this machine is " + host
          + ": its programs run only under proot with qemu's user-mode emulator, and "
          + "qemu-" + Emulation.qemuArchitecture(platform.architecture()) + "-static is not installed"
          + " (apt-get install qemu-user-static proot)");
    }
    if (kind == Kind.FAKECHROOT) {
      throw new ExecutorException("the image is for " + platform + " and this machine is " + host
          + ": fakechroot cannot run its programs; use --executor proot (or auto), which runs them"
          + " through " + emulator.get());
    }
    HostTools.require("proot", "proot", "proot");
    String machine = Emulation.qemuArchitecture(platform.architecture());
    return new ExecutorChoice(new ProotExecutor(emulator.get(), machine), "proot with " + emulator.get()
        + " (the image is for " + platform + ", this machine " + host + "; emulated programs run"
        + " many times slower; " + ProotExecutor.chownRecording(machine) + ProotExecutor.caveats(rootfs) + ")");
  }

  /** As {@link #choose(Kind, Path, Platform, Path)} for an image of this machine's platform. */
  private static ExecutorChoice choose(Kind kind, Path rootfs, Path librariesCache) throws IOException {
    Libc image = Libc.of(rootfs);
    Libc host = Libc.of(Path.of("/"));
    return switch (kind) {
      case FAKECHROOT -> {
        List<String> why = new ArrayList<>();
        Optional<ImageLibraries> own = olderGlibc(image, host) && librariesCache != null
            ? ImageLibraries.prepare(rootfs, image, librariesCache, why::add) : Optional.empty();
        yield own.isPresent()
            ? new ExecutorChoice(new FakechrootExecutor(own.get()), "fakechroot, as asked, with the image's"
                + " own libfakechroot and libfakeroot (image: " + image + ", host: " + host + "; " + THROUGH_LOADER
                + FakechrootExecutor.caveats() + ")")
            : new ExecutorChoice(new FakechrootExecutor(), "fakechroot, as asked (image: " + image
                + FakechrootExecutor.caveats() + ")");
      }
      case PROOT -> {
        // With the host's libfakeroot where it serves, as auto does for a newer glibc: chown is kept.
        Optional<FakerootLibrary> hostFakeroot = hostFakerootUnderProot(image, rootfs);
        yield hostFakeroot.isPresent()
            ? new ExecutorChoice(new ProotExecutor(hostFakeroot.get()), "proot, as asked, with the host's"
                + " libfakeroot, which records chown (image: " + image + ", host: " + host + ")")
            : new ExecutorChoice(new ProotExecutor(), "proot, as asked (image: " + image
                + "; " + ProotExecutor.chownRecording() + ProotExecutor.caveats(rootfs) + ")");
      }
      case AUTO -> auto(rootfs, image, host, librariesCache);
    };
  }

  private static ExecutorChoice auto(Path rootfs, Libc image, Libc host, Path librariesCache)
      throws IOException {
    boolean sameGlibc = image.kind() == Libc.Kind.GLIBC && host.kind() == Libc.Kind.GLIBC
        && !image.version().isEmpty() && image.version().equals(host.version());
    if (sameGlibc && HostTools.find("fakechroot").isPresent() && HostTools.find("fakeroot").isPresent()) {
      return new ExecutorChoice(new FakechrootExecutor(), "fakechroot (image and host: " + image
          + FakechrootExecutor.caveats() + ")");
    }
    String why = sameGlibc ? "fakechroot or fakeroot is not installed"
        : "the image has " + image + ", the host " + host + "; the host's fakechroot and fakeroot"
            + " libraries load only into programs of the host's glibc";
    // Why fakechroot cannot run it, should proot with the host's libfakeroot.
    String noFakechroot = sameGlibc ? "fakechroot is not installed"
        : olderGlibc(host, image) ? "fakechroot does not work with a newer glibc"
        : "the host's fakechroot does not load into an older glibc";
    if (olderGlibc(image, host) && librariesCache != null) {
      List<String> notFetched = new ArrayList<>();
      Optional<ImageLibraries> own = ImageLibraries.prepare(rootfs, image, librariesCache, notFetched::add);
      if (own.isPresent() && HostTools.find("proot").isPresent()) {
        // The release's own libfakeroot, under proot, which starts the image's programs as the
        // kernel would (their own loader, found through their interpreter path). fakechroot with the
        // release's libraries would be faster, but it runs every program by naming it to the
        // image's loader, which then takes $ORIGIN from that name, not from the file: java, started
        // as /usr/bin/java (a link to the JDK's bin/java, whose RUNPATH is $ORIGIN/../lib), found no
        // libjli.so, and ca-certificates-java left the image without a Java trust store.
        return new ExecutorChoice(new ProotExecutor(FakerootLibrary.of(own.get(), rootfs.toRealPath())),
            "proot with the image's own libfakeroot, which records chown (" + why
                + ProotExecutor.caveats(rootfs) + ")");
      }
      Optional<String> fails = own.isPresent() ? FakechrootExecutor.probe(own.get(), rootfs) : Optional.empty();
      if (own.isPresent() && fails.isEmpty()) {
        return new ExecutorChoice(new FakechrootExecutor(own.get()), "fakechroot with the image's own"
            + " libfakechroot and libfakeroot (" + why + "; " + THROUGH_LOADER + ": apt-get install proot"
            + FakechrootExecutor.caveats() + ")");
      }
      if (own.isPresent()) {
        notFetched.add("the image release's libfakechroot fails on this host (" + fails.get() + ")");
      }
      why += "; " + String.join("; ", notFetched);
      noFakechroot += " and its release's own could not be had: " + String.join("; ", notFetched);
    }
    if (image.kind() == Libc.Kind.GLIBC && HostTools.find("proot").isPresent()) {
      Optional<FakerootLibrary> serving = hostFakerootUnderProot(image, rootfs);
      if (serving.isPresent()) {
        return new ExecutorChoice(new ProotExecutor(serving.get()), "proot with the host's libfakeroot"
            + " (image: " + image + ", host: " + host + "; " + noFakechroot + "; the host's libfakeroot,"
            + " which records chown, loads into the image's programs under proot)");
      }
      if (olderGlibc(host, image)) {
        why += FakerootLibrary.host().isEmpty() ? "; fakeroot is not installed (apt-get install fakeroot)"
            : !SyscallFilter.prefix(StepHelper.dirFor(rootfs)).isPresent()
                ? "; " + SyscallFilter.unavailable(StepHelper.dirFor(rootfs)) : "";
      }
    }
    if (HostTools.find("proot").isEmpty()) {
      throw new ExecutorException("no executor can run this image's programs: " + why
          + "; apt-get install proot (or build on a host with the image's glibc)");
    }
    return new ExecutorChoice(new ProotExecutor(), "proot (" + why + "; " + ProotExecutor.chownRecording()
        + ProotExecutor.caveats(rootfs) + ")");
  }

  /**
   * The host's libfakeroot when it can serve a glibc image's programs under proot: it loads into
   * any glibc from the one it was linked against on, and proot's untranslated calls must fail (the
   * system-call filter) for its stat to see the image's files.
   */
  private static Optional<FakerootLibrary> hostFakerootUnderProot(Libc image, Path rootfs) throws IOException {
    Optional<FakerootLibrary> host = image.kind() == Libc.Kind.GLIBC ? FakerootLibrary.host() : Optional.empty();
    return host.isPresent() && host.get().loadsInto(image)
        && SyscallFilter.prefix(StepHelper.dirFor(rootfs)).isPresent() ? host
        : Optional.empty();
  }

  /**
   * Whether the image's glibc is older than the host's: then its release's own fakechroot and
   * fakeroot work (a newer glibc has dropped symbols fakechroot 2.20 still calls). With the
   * arguments swapped: whether it is newer.
   */
  static boolean olderGlibc(Libc image, Libc host) {
    if (image.kind() != Libc.Kind.GLIBC || host.kind() != Libc.Kind.GLIBC || image.version().isEmpty()
        || host.version().isEmpty()) {
      return false;
    }
    String[] a = image.version().split("\\.");
    String[] b = host.version().split("\\.");
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      int x = i < a.length ? Integer.parseInt(a[i]) : 0;
      int y = i < b.length ? Integer.parseInt(b[i]) : 0;
      if (x != y) {
        return x < y;
      }
    }
    return false;
  }
}
