package dev.lading.mirror;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The mirror's TLS identity from PEM files: a certificate chain (the server's first) and its
 * unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}; RSA, EC or Ed25519). Every problem is
 * one sentence naming the file, so a bad pair stops the start, not the first handshake.
 */
public final class TlsFiles {
  private TlsFiles() {}

  /** An SSL context serving {@code cert} with {@code key}; IllegalArgumentException says why not. */
  public static SSLContext context(Path cert, Path key) throws IOException {
    List<X509Certificate> chain = certificates(cert);
    PrivateKey privateKey = privateKey(key);
    if (!matches(privateKey, chain.get(0).getPublicKey())) {
      throw new IllegalArgumentException(key + " is not the private key of the certificate in "
          + cert);
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("mirror", privateKey, new char[0], chain.toArray(new Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use " + cert + " and " + key + ": " + e.getMessage(),
          e);
    }
  }

  private static List<X509Certificate> certificates(Path file) throws IOException {
    byte[] pem = read(file, "certificate");
    if (!new String(pem, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException(file + " holds no certificate (expected PEM,"
          + " -----BEGIN CERTIFICATE-----)");
    }
    try {
      List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem)).stream()
          .map(X509Certificate.class::cast).toList();
      if (chain.isEmpty()) {
        throw new IllegalArgumentException(file + " holds no certificate (expected PEM,"
            + " -----BEGIN CERTIFICATE-----)");
      }
      return chain;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " is not a PEM certificate: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) throws IOException {
    String pem = new String(read(file, "private key"), StandardCharsets.US_ASCII);
    if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")
        || pem.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
      throw new IllegalArgumentException(file + " is not an unencrypted PKCS#8 key; convert it with"
          + " 'openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem'");
    }
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(file + " holds no PEM private key (expected"
          + " -----BEGIN PRIVATE KEY-----)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": the key's base64 is damaged", e);
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm; try the next
      }
    }
    throw new IllegalArgumentException(file + " is not an RSA, EC or Ed25519 PKCS#8 key");
  }

  /** Whether a signature made with the key verifies with the certificate's public key. */
  private static boolean matches(PrivateKey key, PublicKey certificateKey) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> "Ed25519";
    };
    try {
      byte[] probe = "lading mirror key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificateKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an EC key with an RSA certificate
    }
  }

  private static byte[] read(Path file, String what) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("cannot read the " + what + " file " + file);
    }
    return Files.readAllBytes(file);
  }
}
