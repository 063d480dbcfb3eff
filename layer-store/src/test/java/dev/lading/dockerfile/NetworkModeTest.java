package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NetworkModeTest {
  @Test
  void noneIsOfflineDefaultAndHostAreTheHostsAnythingElseIsNamed() {
    assertTrue(NetworkMode.isNone("none", "x"));
    assertFalse(NetworkMode.isNone("default", "x"));
    assertFalse(NetworkMode.isNone("host", "x"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NetworkMode.isNone("bridge", "<network>bridge</network>"));
    assertEquals("<network>bridge</network> is not a network mode; use default, none or host", e.getMessage());
  }
}
