package dev.lading.mirror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * The mirror's users: an htpasswd file of bcrypt entries ({@code user:$2y$...}, as {@code htpasswd
 * -B} writes them). Other schemes (MD5 {@code $apr1$}, {@code {SHA}}, crypt) are refused when the
 * file is read: they are too weak to put in front of a registry.
 */
public final class Htpasswd {
  /** Checked for unknown users too, so that a wrong name costs as long as a wrong password. */
  private static final String DUMMY_HASH =
      "$2y$05$VgK9lGOB7xZdmr26RdJQ3.bXQ.ZKWJLgfEVhPvoEaNU03bJT9xDLG";

  private final Map<String, String> hashes;
  /** user -> SHA-256 of the last password that passed bcrypt: clients send it on every request. */
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

  private Htpasswd(Map<String, String> hashes) {
    this.hashes = hashes;
  }

  /** Reads {@code file}; an entry that is not bcrypt is an error naming its line. */
  public static Htpasswd read(Path file) throws IOException {
    return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
  }

  /** Parses htpasswd lines; {@code source} names them in errors. */
  static Htpasswd parse(List<String> lines, String source) {
    Map<String, String> hashes = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String where = source + " line " + (i + 1);
      if (colon <= 0) {
        throw new IllegalArgumentException(where + ": expected USER:HASH");
      }
      String user = line.substring(0, colon);
      String hash = line.substring(colon + 1);
      if (!hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
        throw new IllegalArgumentException(where + ": user '" + user + "' is not a bcrypt entry;"
            + " write it with 'htpasswd -B'");
      }
      hashes.put(user, hash);
    }
    if (hashes.isEmpty()) {
      throw new IllegalArgumentException(source + " has no users");
    }
    return new Htpasswd(hashes);
  }

  /** The user names, in file order. */
  public Set<String> users() {
    return hashes.keySet();
  }

  /** True when {@code password} is {@code user}'s. */
  public boolean check(String user, String password) {
    String hash = hashes.get(user);
    byte[] fingerprint = sha256(user + '\0' + password);
    byte[] known = verified.get(user);
    if (hash != null && known != null && MessageDigest.isEqual(known, fingerprint)) {
      return true;
    }
    boolean ok;
    try {
      ok = BCrypt.checkpw(password, hash == null ? DUMMY_HASH : hash) && hash != null;
    } catch (IllegalArgumentException tooLong) {
      ok = false; // bcrypt takes at most 72 bytes of password; no user has a longer one
    }
    if (ok) {
      verified.put(user, fingerprint);
    }
    return ok;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
