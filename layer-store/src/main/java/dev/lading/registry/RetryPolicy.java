package dev.lading.registry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently to retry transient failures (429, 5xx, dropped connections): bounded
 * attempts with exponential backoff and jitter, honouring the registry's {@code Retry-After}.
 *
 * @param maxAttempts total attempts including the first (1 disables retries)
 * @param initialBackoff the delay before the second attempt, doubled for each later one
 * @param maxBackoff the cap on a computed delay
 * @param maxRetryAfter the cap on a server-requested {@code Retry-After} delay, so one answer cannot
 *     stall a build for hours
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
    Duration maxRetryAfter) {

  /** Five attempts, 0.5 s doubling up to 10 s, honouring Retry-After up to 60 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(60));

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
  }

  /** Never retry. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }

  /**
   * The delay before attempt number {@code nextAttempt} (2 for the first retry). A server-given
   * {@code retryAfter} wins (capped); otherwise exponential backoff with "equal jitter", so that
   * parallel transfers hit by the same outage do not retry in lock-step.
   */
  Duration delayBefore(int nextAttempt, Duration retryAfter) {
    if (retryAfter != null) {
      return retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
    }
    long base = initialBackoff.toMillis();
    int doublings = Math.min(Math.max(nextAttempt - 2, 0), 30);
    long exp = base > 0 && (Long.MAX_VALUE >> doublings) > base ? base << doublings : Long.MAX_VALUE;
    long capped = Math.min(exp, maxBackoff.toMillis());
    if (capped <= 0) {
      return Duration.ZERO;
    }
    long half = capped / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(capped - half + 1));
  }
}
