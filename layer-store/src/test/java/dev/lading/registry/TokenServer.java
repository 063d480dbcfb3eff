package dev.lading.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lading.model.Json;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A registry token server as distribution's {@code auth: token} expects one: it checks Basic
 * credentials, grants the requested scopes (anonymous callers get pull only), and issues RS256 JWTs
 * whose {@code x5c} header carries a self-signed certificate that is also the registry's
 * {@code rootcertbundle}. Claims: iss, sub, aud (the service), exp, nbf, iat, jti, access.
 */
final class TokenServer implements AutoCloseable {
  static final String SERVICE = "lading-test-registry";
  static final String ISSUER = "lading-test-issuer";

  private final HttpServer server;
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final Path certBundle;
  private final String user;
  private final String password;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private TokenServer(HttpServer server, PrivateKey key, X509Certificate certificate, Path certBundle,
      String user, String password) {
    this.server = server;
    this.key = key;
    this.certificate = certificate;
    this.certBundle = certBundle;
    this.user = user;
    this.password = password;
  }

  /** Generates a signing key and certificate with keytool in {@code dir} and starts serving. */
  static TokenServer start(Path dir, String user, String password) throws Exception {
    Path keytool = RequiredTool.require("keytool", "openjdk-17-jdk-headless");
    Path keystore = dir.resolve("token-signing.p12");
    Processes.check(List.of(keytool.toString(), "-genkeypair", "-alias", "token", "-keyalg", "RSA",
        "-keysize", "2048", "-sigalg", "SHA256withRSA", "-dname", "CN=lading test token issuer",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-keypass", "changeit"), 60);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey("token", "changeit".toCharArray());
    X509Certificate cert = (X509Certificate) ks.getCertificate("token");
    Path bundle = dir.resolve("token-root.pem");
    Files.writeString(bundle, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
        + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);

    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    TokenServer tokens = new TokenServer(server, key, cert, bundle, user, password);
    server.createContext("/token", tokens::handle);
    server.start();
    return tokens;
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** The registry configuration lines for this token server. */
  List<String> registryConfig() {
    return List.of("auth:", "  token:", "    realm: " + realm(), "    service: " + SERVICE,
        "    issuer: " + ISSUER, "    rootcertbundle: " + certBundle);
  }

  /** The query strings of all token requests so far. */
  List<String> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      requests.add(query == null ? "" : URLDecoder.decode(query, StandardCharsets.UTF_8));
      String subject = null;
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      if (authorization != null) {
        String expected = "Basic " + Base64.getEncoder().encodeToString(
            (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(authorization)) {
          byte[] body = "{\"details\":\"incorrect username or password\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(401, body.length);
          exchange.getResponseBody().write(body);
          return;
        }
        subject = user;
      }
      List<Map<String, Object>> access = new ArrayList<>();
      String service = null;
      for (String pair : query == null ? new String[0] : query.split("&")) {
        int eq = pair.indexOf('=');
        String name = pair.substring(0, eq);
        String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (name.equals("service")) {
          service = value;
        } else if (name.equals("scope")) {
          access.add(grant(value, subject != null));
        }
      }
      if (!SERVICE.equals(service)) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      long now = System.currentTimeMillis() / 1000;
      Map<String, Object> claims = new LinkedHashMap<>();
      claims.put("iss", ISSUER);
      claims.put("sub", subject == null ? "" : subject);
      claims.put("aud", SERVICE);
      claims.put("exp", now + 300);
      claims.put("nbf", now - 10);
      claims.put("iat", now);
      claims.put("jti", UUID.randomUUID().toString());
      claims.put("access", access);
      String token = sign(claims);
      byte[] body = Json.write(Map.of("token", token, "expires_in", 300));
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    } catch (Exception e) {
      throw new IOException("token server failed", e);
    }
  }

  /** {@code repository:name:pull,push} -> an access entry; anonymous callers only get pull. */
  private static Map<String, Object> grant(String scope, boolean authenticated) {
    int first = scope.indexOf(':');
    int last = scope.lastIndexOf(':');
    List<String> actions = new ArrayList<>();
    for (String action : scope.substring(last + 1).split(",")) {
      if (authenticated || action.equals("pull")) {
        actions.add(action);
      }
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("type", scope.substring(0, first));
    entry.put("name", scope.substring(first + 1, last));
    entry.put("actions", actions);
    return entry;
  }

  private String sign(Map<String, Object> claims) throws Exception {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("typ", "JWT");
    header.put("alg", "RS256");
    header.put("x5c", List.of(Base64.getEncoder().encodeToString(certificate.getEncoded())));
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String signingInput = url.encodeToString(Json.write(header)) + "." + url.encodeToString(Json.write(claims));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(key);
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + url.encodeToString(rsa.sign());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
