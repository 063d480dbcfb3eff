package dev.lading.dockerfile;

/**
 * The network modes of {@code RUN --network}, {@code lading build|run --network} and the plugin's
 * {@code <network>}: {@code none} keeps a step off the network; {@code default} and {@code host} are
 * both the host's network, which every step has (as buildah's chroot isolation gives it).
 */
public final class NetworkMode {
  private NetworkMode() {}

  /**
   * Whether {@code mode} is {@code none}.
   *
   * @param shown how the user wrote it, for the message ({@code RUN --network=bridge})
   * @throws IllegalArgumentException for anything but default, none or host
   */
  public static boolean isNone(String mode, String shown) {
    return switch (mode) {
      case "none" -> true;
      case "default", "host" -> false;
      default -> throw new IllegalArgumentException(shown + " is not a network mode; use default, none or host");
    };
  }
}
