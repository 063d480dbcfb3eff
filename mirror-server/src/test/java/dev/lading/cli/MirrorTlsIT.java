package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading mirror --tls-cert --tls-key}: HTTPS with certificates made here by openssl, trusted
 * by skopeo through a certificate directory; bad key files stop the start with one clear line.
 */
class MirrorTlsIT {
  @TempDir static Path shared;
  private static Path certs;
  private static Path users;
  private static String image;

  @TempDir Path tmp;

  @BeforeAll
  static void makeCertificates() throws Exception {
    RequiredTool.require("openssl", "openssl");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("htpasswd", "apache2-utils");
    certs = Files.createDirectories(shared.resolve("certs"));
    selfSigned("rsa:2048", certs.resolve("mirror.pem"), shared.resolve("mirror-key.pem"));
    // What skopeo --cert-dir trusts: CA certificates named *.crt.
    Files.copy(certs.resolve("mirror.pem"), certs.resolve("mirror-ca.crt"));
    Files.delete(certs.resolve("mirror.pem"));
    users = shared.resolve("htpasswd");
    Processes.check(List.of("htpasswd", "-cbB", users.toString(), "alice", "alice-secret"), 60);
    image = BaseImages.layout("minimal");
  }

  /** A self-signed certificate for 127.0.0.1 and its PKCS#8 key (openssl's default form). */
  private static void selfSigned(String keyType, Path cert, Path key) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-x509", "-newkey", keyType));
    if (keyType.equals("ec")) {
      cmd.addAll(List.of("-pkeyopt", "ec_paramgen_curve:P-256"));
    }
    cmd.addAll(List.of("-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out",
        cert.toString()));
    Processes.check(cmd, 120);
  }

  private static Processes.Result skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    return Processes.run(cmd, 300);
  }

  @Test
  void servesHttpsToClientsThatTrustItsCertificate() throws Exception {
    try (MirrorProcess mirror = MirrorProcess.start(tmp.resolve("store"), tmp.resolve("log"),
        "--tls-cert", certs.resolve("mirror-ca.crt").toString(),
        "--tls-key", shared.resolve("mirror-key.pem").toString(),
        "--htpasswd", users.toString())) {
      assertEquals("https", mirror.scheme);
      String target = "docker://" + mirror.host + "/team/app:1";
      skopeo("copy", "--dest-cert-dir", certs.toString(), "--dest-creds", "alice:alice-secret",
          image, target).assertSuccess(List.of("skopeo copy over TLS"));
      skopeo("inspect", "--cert-dir", certs.toString(), target)
          .assertSuccess(List.of("skopeo inspect over TLS"));
      Processes.Result untrusted = skopeo("inspect", target);
      assertNotEquals(0, untrusted.exitCode(), "an unknown CA is refused: " + untrusted.output());
      skopeo("inspect", "--tls-verify=false", target)
          .assertSuccess(List.of("skopeo inspect --tls-verify=false"));
      // The token realm is HTTPS too: the password never crosses in clear text.
      String headers = Processes.check(List.of("curl", "-sS", "-o", "/dev/null", "-D", "-",
          "--cacert", certs.resolve("mirror-ca.crt").toString(),
          "https://" + mirror.host + "/v2/team/app/blobs/uploads/", "-X", "POST"), 60);
      assertTrue(headers.contains("Bearer realm=\"https://" + mirror.host + "/_lading/token\""),
          headers);
      assertFalse(mirror.output().contains("clear text"), "no warning with TLS");
    }
  }

  @Test
  void servesWithAnEcKey() throws Exception {
    Path cert = tmp.resolve("ec.crt");
    selfSigned("ec", cert, tmp.resolve("ec-key.pem"));
    Path trusted = Files.createDirectories(tmp.resolve("trusted"));
    Files.copy(cert, trusted.resolve("ec.crt"));
    try (MirrorProcess mirror = MirrorProcess.start(tmp.resolve("store"), tmp.resolve("log"),
        "--tls-cert", cert.toString(), "--tls-key", tmp.resolve("ec-key.pem").toString())) {
      skopeo("copy", "--dest-cert-dir", trusted.toString(), image,
          "docker://" + mirror.host + "/team/ec:1").assertSuccess(List.of("skopeo copy, EC key"));
    }
  }

  @Test
  void refusesKeysItCannotUseWithOneLine() throws Exception {
    Path cert = certs.resolve("mirror-ca.crt");
    Path pkcs1 = tmp.resolve("pkcs1.pem");
    Processes.check(List.of("openssl", "rsa", "-in", shared.resolve("mirror-key.pem").toString(),
        "-traditional", "-out", pkcs1.toString()), 60);
    assertStartFails("is not an unencrypted PKCS#8 key; convert it with 'openssl pkcs8 -topk8"
        + " -nocrypt", "--tls-cert", cert.toString(), "--tls-key", pkcs1.toString());

    Path otherCert = tmp.resolve("other.crt");
    Path otherKey = tmp.resolve("other-key.pem");
    selfSigned("rsa:2048", otherCert, otherKey);
    assertStartFails("is not the private key of the certificate in", "--tls-cert", cert.toString(),
        "--tls-key", otherKey.toString());
    assertStartFails("cannot read the private key file", "--tls-cert", cert.toString(),
        "--tls-key", tmp.resolve("absent.pem").toString());
    assertStartFails("holds no certificate", "--tls-cert", otherKey.toString(), "--tls-key",
        otherKey.toString());
    assertStartFails("--tls-cert and --tls-key go together", "--tls-cert", cert.toString());
  }

  @Test
  void warnsWhenPasswordsWouldCrossANetworkInClearText() throws Exception {
    try (MirrorProcess mirror = MirrorProcess.start(tmp.resolve("store"), tmp.resolve("log"),
        "--listen", "0.0.0.0:0", "--htpasswd", users.toString())) {
      assertTrue(mirror.output().contains("warning: passwords are sent in clear text"),
          mirror.output());
    }
  }

  private void assertStartFails(String expected, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("mirror", "--listen", "127.0.0.1:0"));
    all.addAll(List.of(args));
    Processes.Result r = new LadingJar(tmp.resolve("store")).run(all.toArray(String[]::new));
    assertEquals(2, r.exitCode(), r.output());
    assertTrue(r.output().contains(expected), r.output());
    assertFalse(r.output().contains("\tat "), "no stack trace: " + r.output());
  }
}
