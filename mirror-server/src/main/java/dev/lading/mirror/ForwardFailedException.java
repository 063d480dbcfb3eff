package dev.lading.mirror;

import java.io.IOException;

/**
 * A {@code --forward sync} push the upstream did not accept: answered 502, the mirror's gateway role
 * having failed, not the client's input. The push is kept in the store and its forward stays queued.
 */
public final class ForwardFailedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** {@code forward} failed with {@code cause}. */
  public ForwardFailedException(Outbox.Forward forward, IOException cause) {
    super("stored in the mirror, but not accepted by upstream " + forward.upstream() + " ("
        + forward.upstreamHost() + "/" + forward.remoteRepository() + ":" + forward.tag()
        + "): " + cause.getMessage() + "; the forward stays queued and is retried", cause);
  }
}
