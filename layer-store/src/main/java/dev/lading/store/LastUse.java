package dev.lading.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

/**
 * When a named image (a ref or a repository tag) was last used, for the size-capped gc that evicts
 * the least recently used first. It is the modification time of the ref's or tag's own small file:
 * reading or setting the name moves it forward, so a use costs one {@code stat} and, at most once a
 * minute, one {@code utimes}, and never a rewrite of a shared file. Cache actions keep modification
 * times when they tar and restore a store, so the order survives a trip through a CI cache.
 */
final class LastUse {
  /** Uses closer together than this are not recorded again: a busy mirror does not write per read. */
  static final Duration RESOLUTION = Duration.ofMinutes(1);
  /**
   * Times further ahead than this came from elsewhere (a cache restored with other clocks, a tar made
   * with {@code --mtime} in the future): no writer of this store set them, so they say nothing of age.
   */
  static final Duration FUTURE_SKEW = Duration.ofMinutes(5);

  private LastUse() {}

  /**
   * Records a use of the name whose file this is. Best effort: a store shared read-only, or files of
   * another user (utimes needs the owner), keep their time, which only makes them look older.
   */
  static void record(Path file) {
    try {
      FileTime now = FileTime.from(Instant.now());
      FileTime last = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
      if (last.toInstant().plus(RESOLUTION).isBefore(now.toInstant()) || inFuture(last.toInstant())) {
        Files.setLastModifiedTime(file, now);
      }
    } catch (IOException | RuntimeException ignored) {
      // deleted meanwhile, or not ours to touch: see above
    }
  }

  /**
   * The last recorded use; {@link Instant#EPOCH} when the file is gone or its time lies in the future
   * (unknown, so first to go under a size cap rather than never).
   */
  static Instant of(Path file) {
    try {
      Instant time = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
      return inFuture(time) ? Instant.EPOCH : time;
    } catch (IOException e) {
      return Instant.EPOCH;
    }
  }

  /** True for a time past now by more than {@link #FUTURE_SKEW}. */
  static boolean inFuture(Instant time) {
    return time.isAfter(Instant.now().plus(FUTURE_SKEW));
  }
}
