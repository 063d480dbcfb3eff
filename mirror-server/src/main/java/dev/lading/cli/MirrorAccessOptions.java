package dev.lading.cli;

import dev.lading.mirror.ClientAuth;
import dev.lading.mirror.Htpasswd;
import dev.lading.mirror.TlsFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code lading mirror}'s options for who may use it (htpasswd users) and how (TLS). */
final class MirrorAccessOptions {
  @Option(names = "--htpasswd", paramLabel = "FILE",
      description = "Users, as bcrypt entries ('htpasswd -B'). With it, pushes and deletes need a"
          + " user; reads stay anonymous unless --auth-reads. Clients authenticate with Basic or"
          + " with a token from /_lading/token (see --auth-challenge).")
  Path htpasswd;

  @Option(names = "--auth-reads",
      description = "Require a user for reads too (needs --htpasswd).")
  boolean authReads;

  @Option(names = "--push-users", paramLabel = "USER", split = ",",
      description = "Only these users may push and delete (default: every user of --htpasswd);"
          + " others get 403 DENIED.")
  List<String> pushUsers = new ArrayList<>();

  @Option(names = "--auth-challenge", paramLabel = "KIND", defaultValue = "bearer",
      description = "What a 401 asks for: bearer (the token flow docker, skopeo and containerd"
          + " follow; default) or basic. Both kinds of credentials are accepted either way.")
  String challenge;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "Serve HTTPS with this PEM certificate (chain), with --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "The certificate's private key: PEM, unencrypted PKCS#8 ('BEGIN PRIVATE KEY';"
          + " convert others with 'openssl pkcs8 -topk8 -nocrypt').")
  Path tlsKey;

  /** The client policy the options ask for; usage errors for inconsistent ones. */
  ClientAuth clientAuth(CommandLine cli) throws IOException {
    if (htpasswd == null) {
      if (authReads || !pushUsers.isEmpty()) {
        throw new CommandLine.ParameterException(cli,
            "--auth-reads and --push-users need --htpasswd FILE");
      }
      return ClientAuth.none();
    }
    ClientAuth.Challenge kind;
    try {
      kind = ClientAuth.Challenge.valueOf(challenge.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cli,
          "--auth-challenge must be bearer or basic, not '" + challenge + "'");
    }
    if (!Files.isReadable(htpasswd)) {
      throw new CommandLine.ParameterException(cli, "cannot read --htpasswd " + htpasswd);
    }
    try {
      return ClientAuth.of(Htpasswd.read(htpasswd), authReads, new LinkedHashSet<>(pushUsers),
          kind);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cli, e.getMessage());
    }
  }

  /** The TLS context, or null for plain HTTP. */
  SSLContext tls(CommandLine cli) throws IOException {
    if (tlsCert == null && tlsKey == null) {
      return null;
    }
    if (tlsCert == null || tlsKey == null) {
      throw new CommandLine.ParameterException(cli, "--tls-cert and --tls-key go together");
    }
    try {
      return TlsFiles.context(tlsCert, tlsKey);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cli, e.getMessage());
    }
  }

  /** A warning when passwords would cross a network in clear text, else null. */
  String cleartextWarning(String host) {
    if (htpasswd == null || tlsCert != null || isLoopback(host)) {
      return null;
    }
    return "lading mirror: warning: passwords are sent in clear text to a plain-HTTP listener on "
        + host + "; use --tls-cert/--tls-key, or a TLS proxy in front, or listen on loopback";
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
