package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegistryHostsTest {
  @Test
  void loopbackDockerHubAndCredentialKeys() {
    assertTrue(RegistryHosts.isLoopback("localhost:5000"));
    assertTrue(RegistryHosts.isLoopback("127.0.0.1"));
    assertTrue(RegistryHosts.isLoopback("127.3.2.1:80"));
    assertTrue(RegistryHosts.isLoopback("[::1]:5000"));
    assertFalse(RegistryHosts.isLoopback("127.0.0.1.nip.io"));
    assertFalse(RegistryHosts.isLoopback("ghcr.io"));
    assertEquals("registry-1.docker.io", RegistryHosts.apiHost("docker.io"));
    assertEquals("registry-1.docker.io", RegistryHosts.apiHost("index.docker.io"));
    assertEquals("ghcr.io", RegistryHosts.apiHost("ghcr.io"));
    assertEquals("docker.io", RegistryHosts.credentialKey("https://index.docker.io/v1/"));
    assertEquals("reg:5000", RegistryHosts.credentialKey("http://REG:5000/v2/"));
  }
}
