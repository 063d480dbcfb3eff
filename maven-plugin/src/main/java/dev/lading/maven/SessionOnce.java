package dev.lading.maven;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.maven.execution.MavenSession;
import org.eclipse.aether.SessionData;

/** Messages said once per Maven invocation, however many goals and modules would repeat them. */
final class SessionOnce {
  private SessionOnce() {}

  /** True the first time {@code key} is asked about in this session (always, without a session to keep it in). */
  static boolean first(MavenSession session, String key) {
    SessionData data = session == null || session.getRepositorySession() == null ? null
        : session.getRepositorySession().getData();
    if (data == null) {
      return true;
    }
    // Keyed by this class's identity too: another plugin realm has classes (and messages) of its own.
    String name = "dev.lading.said@" + System.identityHashCode(SessionOnce.class);
    Object said = data.get(name);
    while (said == null) {
      data.set(name, null, ConcurrentHashMap.newKeySet());
      said = data.get(name);
    }
    @SuppressWarnings("unchecked")
    Set<String> keys = (Set<String>) said;
    return keys.add(key);
  }
}
