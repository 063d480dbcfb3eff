package dev.lading.maven;

import dev.lading.registry.Credential;
import dev.lading.registry.HttpProxy;
import dev.lading.registry.ProxyConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.maven.settings.Proxy;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

/**
 * The active {@code <proxies>} of Maven's {@code settings.xml} as the registry client's proxies, chosen
 * as Maven chooses them for its own downloads: the first active proxy of the URL's protocol whose
 * {@code nonProxyHosts} do not name the registry, and for HTTPS registries an {@code http} proxy when
 * no {@code https} one fits. Proxy passwords are decrypted as Maven does.
 */
final class SettingsProxies {
  private SettingsProxies() {}

  /** The proxies, or empty when settings.xml has no active one (the JVM's settings then apply). */
  static Optional<ProxyConfig> of(List<Proxy> proxies, SettingsDecrypter decrypter) throws IOException {
    List<HttpProxy> direct = new ArrayList<>();
    List<HttpProxy> httpForHttps = new ArrayList<>();
    for (Proxy proxy : proxies) {
      if (!proxy.isActive()) {
        continue;
      }
      Proxy clear = decrypt(proxy, decrypter);
      String protocol = clear.getProtocol() == null ? "http" : clear.getProtocol().toLowerCase(Locale.ROOT);
      if (!protocol.equals("http") && !protocol.equals("https")) {
        throw new IllegalArgumentException("proxy '" + proxy.getId() + "' in settings.xml has protocol '"
            + clear.getProtocol() + "'; image registries are reached through http or https proxies");
      }
      if (clear.getHost() == null || clear.getHost().isBlank()) {
        throw new IllegalArgumentException("proxy '" + proxy.getId() + "' in settings.xml has no <host>");
      }
      Credential credential = clear.getUsername() == null || clear.getUsername().isEmpty() ? null
          : new Credential(clear.getUsername(), clear.getPassword() == null ? "" : clear.getPassword());
      List<String> nonProxy = HttpProxy.splitNonProxyHosts(clear.getNonProxyHosts());
      direct.add(new HttpProxy(protocol, clear.getHost(), clear.getPort(), credential, nonProxy));
      if (protocol.equals("http")) {
        httpForHttps.add(new HttpProxy("https", clear.getHost(), clear.getPort(), credential, nonProxy));
      }
    }
    if (direct.isEmpty()) {
      return Optional.empty();
    }
    // Listed after every real https proxy, so those win.
    direct.addAll(httpForHttps);
    return Optional.of(new ProxyConfig(direct));
  }

  private static Proxy decrypt(Proxy proxy, SettingsDecrypter decrypter) throws IOException {
    if (decrypter == null) {
      return proxy;
    }
    SettingsDecryptionResult result = decrypter.decrypt(new DefaultSettingsDecryptionRequest(proxy));
    for (SettingsProblem p : result.getProblems()) {
      if (p.getSeverity() != SettingsProblem.Severity.WARNING) {
        throw new IOException("cannot decrypt the password of proxy '" + proxy.getId()
            + "' in settings.xml: " + p.getMessage());
      }
    }
    return result.getProxy();
  }
}
