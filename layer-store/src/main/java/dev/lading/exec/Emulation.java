package dev.lading.exec;

import dev.lading.model.Platform;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Running another machine's programs: proot hands every program of the root to a qemu user-mode
 * emulator ({@code proot -q qemu-aarch64-static}) when the host has one (Debian: qemu-user-static,
 * or qemu-user); nothing else in Lading can run them.
 */
public final class Emulation {
  private Emulation() {}

  /** True when programs built for {@code image} cannot run natively on this machine. */
  public static boolean needed(Platform image) {
    Platform host = Platform.current();
    return image.architecture() != null && !image.architecture().equals(host.architecture());
  }

  /** qemu's name for an architecture in Go's names (those of image platforms): arm64 is aarch64. */
  static String qemuArchitecture(String goArch) {
    return switch (goArch) {
      case "arm64" -> "aarch64";
      case "amd64" -> "x86_64";
      case "386" -> "i386";
      case "mips64le" -> "mips64el";
      case "mipsle" -> "mipsel";
      default -> goArch;
    };
  }

  /** The emulator of {@code image}'s architecture on PATH, the static one first. */
  public static Optional<Path> emulator(Platform image) {
    String qemu = "qemu-" + qemuArchitecture(image.architecture());
    Optional<Path> found = HostTools.find(qemu + "-static");
    return found.isPresent() ? found : HostTools.find(qemu);
  }
}
