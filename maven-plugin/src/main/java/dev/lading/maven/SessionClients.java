package dev.lading.maven;

import dev.lading.registry.RegistryClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.maven.execution.MavenSession;
import org.eclipse.aether.SessionData;

/**
 * Registry clients shared by every goal and module of one Maven invocation, so that they reuse
 * connections, the registry's scheme probe and tokens. They live in the resolver session's data (one
 * per invocation), keyed by the settings that shape a client and by this class's own identity:
 * another plugin realm (another version, or the plugin loaded as an extension by one module) has
 * classes of its own.
 */
final class SessionClients {
  private SessionClients() {}

  /** The client made with {@code settings} in this session, made by {@code create} the first time. */
  static RegistryClient get(MavenSession session, List<Object> settings, Supplier<RegistryClient> create) {
    return clients(session).computeIfAbsent(settings, s -> create.get());
  }

  @SuppressWarnings("unchecked")
  private static Map<List<Object>, RegistryClient> clients(MavenSession session) {
    String key = "dev.lading.registryClients@" + System.identityHashCode(RegistryClient.class);
    SessionData data = session.getRepositorySession() == null ? null : session.getRepositorySession().getData();
    if (data == null) {
      return new ConcurrentHashMap<>(); // no session to keep it in (a bare test session): not shared
    }
    Object clients = data.get(key);
    while (clients == null) {
      data.set(key, null, new ConcurrentHashMap<List<Object>, RegistryClient>());
      clients = data.get(key);
    }
    return (Map<List<Object>, RegistryClient>) clients;
  }
}
