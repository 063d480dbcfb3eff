package dev.lading.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.HttpURLConnection;
import java.net.URI;
import org.junit.jupiter.api.Test;

class LocalRegistryTest {
  @Test
  void startsARealRegistryAndStopsIt() throws Exception {
    LocalRegistry registry = LocalRegistry.start();
    try {
      var c = (HttpURLConnection) URI.create("http://" + registry.hostPort() + "/v2/").toURL()
          .openConnection();
      assertEquals(200, c.getResponseCode());
      assertEquals("registry/2.0", c.getHeaderField("Docker-Distribution-API-Version"));
    } finally {
      registry.close();
    }
    assertFalse(java.nio.file.Files.exists(registry.root()));
  }
}
