package dev.lading.registry;

import java.util.Locale;

/** Host-name rules shared by the client and the credential lookup: Docker Hub aliases, loopback. */
final class RegistryHosts {
  private RegistryHosts() {}

  /** The name users and credential stores give Docker Hub. */
  static final String DOCKER_HUB = "docker.io";
  /** Where Docker Hub actually serves the registry API. */
  static final String DOCKER_HUB_API = "registry-1.docker.io";
  /** The key docker login and credential helpers use for Docker Hub. */
  static final String DOCKER_HUB_SERVER_URL = "https://index.docker.io/v1/";

  /** The host to send API requests to: Docker Hub's names map to its API host. */
  static String apiHost(String host) {
    String key = credentialKey(host);
    return DOCKER_HUB.equals(key) ? DOCKER_HUB_API : host.toLowerCase(Locale.ROOT);
  }

  /**
   * The normal form of a registry key as found in {@code config.json} or given by a user: no scheme, no
   * path, lower case, and all Docker Hub aliases folded into {@code docker.io}.
   */
  static String credentialKey(String hostOrUrl) {
    String s = hostOrUrl.trim().toLowerCase(Locale.ROOT);
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    return switch (s) {
      case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "docker.io" -> DOCKER_HUB;
      default -> s;
    };
  }

  /** The host without its port: {@code [::1]:5000} -> {@code ::1}, {@code reg:5000} -> {@code reg}. */
  static String withoutPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(1, end);
    }
    int colon = host.lastIndexOf(':');
    // More than one colon and no brackets: a bare IPv6 address with no port.
    return colon < 0 || host.indexOf(':') != colon ? host : host.substring(0, colon);
  }

  /** True for localhost, 127.0.0.0/8 and ::1, which are reachable only from this machine. */
  static boolean isLoopback(String host) {
    String h = withoutPort(host).toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /** The name to show users: Docker Hub's API host shows as docker.io, as in their config. */
  static String displayName(String host) {
    return DOCKER_HUB.equals(credentialKey(host)) ? DOCKER_HUB : host;
  }
}
