package dev.lading.mirror;

import java.io.IOException;

/**
 * The upstream a request needed could not be asked (down, refusing, timing out) and the store has
 * nothing cached for it: answered 503, or 404 to a HEAD, so that a push's existence checks keep
 * working while the upstream is down.
 */
public final class UpstreamUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  /** {@code upstream}'s failure, {@code cause}, for {@code what}. */
  public UpstreamUnavailableException(String upstream, String what, IOException cause) {
    super("upstream " + upstream + " unavailable for " + what + " (not cached): "
        + cause.getMessage(), cause);
  }
}
