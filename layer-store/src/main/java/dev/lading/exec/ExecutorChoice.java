package dev.lading.exec;

import dev.lading.model.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Which executor runs a base image's steps, and why, so that the log can say it. {@code auto}
 * takes fakechroot when the image's glibc is the host's (the only case where the host's preloaded
 * libraries load: an older glibc lacks their symbols, a newer one breaks on the host's loader, and
 * static or musl programs never load them) and proot otherwise.
 *
 * @param executor the executor
 * @param reason one line for the log
 */
public record ExecutorChoice(RootfsExecutor executor, String reason) {
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
   * Chooses for the root file system {@code rootfs} of an image for {@code platform}: another
   * machine's programs run only under proot with a qemu emulator ({@link Emulation}).
   *
   * @throws ExecutorException when the image is for another machine and no emulator is installed,
   *     or fakechroot is asked for
   */
  public static ExecutorChoice choose(Kind kind, Path rootfs, Platform platform)
      throws IOException {
    if (platform == null || !Emulation.needed(platform)) {
      return choose(kind, rootfs);
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
    return new ExecutorChoice(new ProotExecutor(emulator.get()), "proot with " + emulator.get()
        + " (the image is for " + platform + ", this machine " + host + "; emulated programs run"
        + " many times slower; proot does not record chown" + ProotExecutor.caveats() + ")");
  }

  /** Chooses for the root file system {@code rootfs}. */
  public static ExecutorChoice choose(Kind kind, Path rootfs) throws IOException {
    Libc image = Libc.of(rootfs);
    return switch (kind) {
      case FAKECHROOT -> new ExecutorChoice(new FakechrootExecutor(), "fakechroot, as asked (image: "
          + image + ")");
      case PROOT -> new ExecutorChoice(new ProotExecutor(), "proot, as asked (image: " + image
          + "; proot does not record chown" + ProotExecutor.caveats() + ")");
      case AUTO -> auto(image, Libc.of(Path.of("/")));
    };
  }

  private static ExecutorChoice auto(Libc image, Libc host) throws ExecutorException {
    boolean sameGlibc = image.kind() == Libc.Kind.GLIBC && host.kind() == Libc.Kind.GLIBC
        && !image.version().isEmpty() && image.version().equals(host.version());
    if (sameGlibc && HostTools.find("fakechroot").isPresent() && HostTools.find("fakeroot").isPresent()) {
      return new ExecutorChoice(new FakechrootExecutor(), "fakechroot (image and host: " + image + ")");
    }
    String why = sameGlibc ? "fakechroot or fakeroot is not installed"
        : "the image has " + image + ", the host " + host + "; the host's fakechroot and fakeroot"
            + " libraries load only into programs of the host's glibc";
    if (HostTools.find("proot").isEmpty()) {
      throw new ExecutorException("no executor can run this image's programs: " + why
          + "; apt-get install proot (or build on a host with the image's glibc)");
    }
    return new ExecutorChoice(new ProotExecutor(), "proot (" + why + "; proot does not record chown"
        + ProotExecutor.caveats() + ")");
  }
}
