package dev.lading.digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A content digest in the OCI form {@code algorithm:hex}. Only sha256 is accepted: it is what every
 * registry and the OCI layout use, and accepting others would let unverifiable content into the store.
 */
public final class Digest implements Comparable<Digest> {
  /** The only algorithm the store accepts. */
  public static final String SHA256 = "sha256";

  private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");

  private final String hex;

  private Digest(String hex) {
    this.hex = hex;
  }

  /**
   * Parses {@code sha256:<64 lowercase hex>}.
   *
   * @throws IllegalArgumentException with a message that names the bad value and the expected form
   */
  public static Digest parse(String value) {
    Objects.requireNonNull(value, "digest");
    int colon = value.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "not a digest: '" + value + "' (expected sha256:<64 hex characters>)");
    }
    String algorithm = value.substring(0, colon);
    String hex = value.substring(colon + 1);
    if (!SHA256.equals(algorithm)) {
      throw new IllegalArgumentException(
          "unsupported digest algorithm '" + algorithm + "' in '" + value + "' (only sha256 is supported)");
    }
    return ofHex(hex);
  }

  /** A sha256 digest from its 64 lowercase hex characters. */
  public static Digest ofHex(String hex) {
    if (!SHA256_HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "not a sha256 digest: '" + hex + "' (expected 64 lowercase hex characters)");
    }
    return new Digest(hex);
  }

  /** True when {@code value} parses as a digest. */
  public static boolean isDigest(String value) {
    try {
      parse(value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The digest of {@code bytes}. */
  public static Digest of(byte[] bytes) {
    MessageDigest md = newSha256();
    return fromRaw(md.digest(bytes));
  }

  /** The digest of a string's UTF-8 bytes. */
  public static Digest ofUtf8(String text) {
    return of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads {@code in} to its end and returns the digest of what it held; does not close it. */
  public static Digest of(InputStream in) throws IOException {
    MessageDigest md = newSha256();
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) != -1; ) {
      md.update(buffer, 0, n);
    }
    return fromRaw(md.digest());
  }

  /** The digest of a file's contents. */
  public static Digest of(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return of(in);
    }
  }

  /** A digest from the 32 raw bytes a {@link MessageDigest} returned. */
  public static Digest fromRaw(byte[] sha256) {
    if (sha256.length != 32) {
      throw new IllegalArgumentException("a sha256 digest has 32 bytes, not " + sha256.length);
    }
    return new Digest(HexFormat.of().formatHex(sha256));
  }

  /** A fresh sha256 {@link MessageDigest}. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Always {@value #SHA256}. */
  public String algorithm() {
    return SHA256;
  }

  /** The 64 lowercase hex characters. */
  public String hex() {
    return hex;
  }

  /** The first 12 hex characters, as tools show digests in logs. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return SHA256 + ":" + hex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest other && hex.equals(other.hex);
  }

  @Override
  public int hashCode() {
    return hex.hashCode();
  }

  @Override
  public int compareTo(Digest o) {
    return hex.compareTo(o.hex);
  }
}
