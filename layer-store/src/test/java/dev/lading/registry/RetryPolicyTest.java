package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy =
      new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(30));

  @Test
  void backsOffExponentiallyWithJitterUpToTheCap() {
    for (int i = 0; i < 200; i++) {
      long second = policy.delayBefore(2, null).toMillis();
      long third = policy.delayBefore(3, null).toMillis();
      long late = policy.delayBefore(20, null).toMillis();
      assertTrue(second >= 50 && second <= 100, "attempt 2: " + second);
      assertTrue(third >= 100 && third <= 200, "attempt 3: " + third);
      assertTrue(late >= 500 && late <= 1000, "capped: " + late);
    }
  }

  @Test
  void honoursRetryAfterUpToItsCap() {
    assertEquals(Duration.ofSeconds(7), policy.delayBefore(2, Duration.ofSeconds(7)));
    assertEquals(Duration.ofSeconds(30), policy.delayBefore(2, Duration.ofHours(1)));
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO));
    assertEquals(1, RetryPolicy.none().maxAttempts());
  }
}
