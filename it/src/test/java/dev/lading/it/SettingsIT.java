package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.ForwardProxy;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a build takes from settings.xml: registry credentials from {@code <server>} (plain and
 * encrypted passwords) for a real docker-registry with htpasswd Basic auth, and {@code <proxies>}
 * (with proxy authentication) in front of a registry whose name only the proxy resolves.
 */
class SettingsIT {
  private static final String USER = "builder";
  private static final String PASSWORD = "b4se-p@ss";

  private static NestedMaven maven;
  private static LocalRegistry open;
  private static LocalRegistry secured;
  private static Path project;

  @BeforeAll
  static void registries() throws IOException {
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    Path htpasswdTool = RequiredTool.require("htpasswd", "apache2-utils");
    maven = new NestedMaven("settings");
    Path htpasswd = maven.work().resolve("htpasswd");
    Files.writeString(htpasswd, Processes.check(List.of(htpasswdTool.toString(), "-Bbn", USER, PASSWORD), 30));
    open = LocalRegistry.start();
    secured = LocalRegistry.start(List.of("auth:", "  htpasswd:", "    realm: lading-it",
        "    path: " + htpasswd.toAbsolutePath()));
    NestedMaven.pushBaseImage(open.hostPort());
    project = maven.copyProject("hello", "hello");
  }

  @AfterAll
  static void stop() {
    for (LocalRegistry r : new LocalRegistry[] {open, secured}) {
      if (r != null) {
        r.close();
      }
    }
  }

  private static String server(String password) {
    return "<servers><server><id>" + secured.hostPort() + "</id><username>" + USER + "</username><password>"
        + password + "</password></server></servers>";
  }

  private static Processes.Result pushToSecured(Path settings, String repository, String... extra)
      throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("package", "image:build", "image:push",
        "-Dimage.store=" + maven.work().resolve("store"),
        "-Dimage.to.image=" + secured.hostPort() + "/" + repository + ":1.0", "-Dimage.to.tags=1"));
    args.addAll(List.of(extra));
    return maven.mvn(settings, project, open.hostPort(), args.toArray(String[]::new));
  }

  private static void assertPushed(String repository, Processes.Result result) throws IOException {
    assertEquals(0, result.exitCode(), result.output());
    String inspect = Processes.check(List.of("skopeo", "inspect", "--tls-verify=false", "--creds",
        USER + ":" + PASSWORD, "docker://" + secured.hostPort() + "/" + repository + ":1.0"), 60);
    assertTrue(inspect.contains("\"Digest\""), inspect);
  }

  @Test
  void pushesWithTheServerCredentialsOfSettings() throws IOException {
    Path settings = maven.settings("settings-plain.xml", server(PASSWORD));
    assertPushed("demo/plain", pushToSecured(settings, "demo/plain"));
  }

  @Test
  void pushesWithTheAuthOfToAsAJibUserWritesIt() throws IOException {
    Path settings = maven.settings("settings-none-for-auth.xml", "");
    assertPushed("demo/to-auth", pushToSecured(settings, "demo/to-auth",
        "-Dimage.to.auth.username=" + USER, "-Dimage.to.auth.password=" + PASSWORD));
  }

  @Test
  void decryptsAnEncryptedServerPassword() throws IOException {
    Path security = maven.work().resolve("settings-security.xml");
    String master = encryptedValue(Processes.check(NestedMaven.command(maven.settings("bare.xml", ""), project,
        open.hostPort(), "--encrypt-master-password", "m4ster"), 120));
    Files.writeString(security, "<settingsSecurity><master>" + master + "</master></settingsSecurity>");
    String encrypted = encryptedValue(Processes.check(NestedMaven.command(maven.settings("bare.xml", ""), project,
        open.hostPort(), "--encrypt-password", PASSWORD, "-Dsettings.security=" + security), 120));
    assertTrue(encrypted.startsWith("{") && !encrypted.contains(PASSWORD), encrypted);
    Path settings = maven.settings("settings-encrypted.xml", server(encrypted));
    assertPushed("demo/encrypted", pushToSecured(settings, "demo/encrypted", "-Dsettings.security=" + security));
  }

  @Test
  void withoutCredentialsTheFailureNamesTheRegistryAndTheServerEntry() throws IOException {
    Processes.Result r = pushToSecured(maven.settings("settings-none.xml", ""), "demo/none");
    assertNotEquals(0, r.exitCode());
    String error = errorLine(r.output(), "image:push failed");
    assertTrue(error.contains("HTTP 401") && error.contains(secured.hostPort()), error);
    assertTrue(error.contains("<server><id>" + secured.hostPort() + "</id>"), error);
    assertFalse(NestedMaven.hasStackTrace(r.output()), r.output());
  }

  @Test
  void goesThroughTheProxyOfSettingsAndAnswersIts407() throws IOException {
    String name = "registry.test:" + open.port();
    try (ForwardProxy proxy = ForwardProxy.start(Map.of("registry.test", "127.0.0.1"), "px", "px-secret")) {
      String proxies = "<proxies>"
          + "<proxy><id>inactive</id><active>false</active><protocol>http</protocol><host>127.0.0.1</host>"
          + "<port>9</port></proxy>"
          + "<proxy><id>corp</id><active>true</active><protocol>http</protocol><host>127.0.0.1</host><port>"
          + proxy.port() + "</port><username>px</username><password>px-secret</password>"
          + "<nonProxyHosts>localhost|*.internal</nonProxyHosts></proxy></proxies>";
      Processes.Result r = maven.mvn(maven.settings("settings-proxy.xml", proxies), project, name,
          "package", "image:build", "image:push", "-Dimage.store=" + maven.work().resolve("store-proxy"));
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(proxy.challenged() > 0 && proxy.forwarded() > 0,
          "407s " + proxy.challenged() + ", forwarded " + proxy.forwarded());
      Processes.check(List.of("skopeo", "inspect", "--tls-verify=false",
          "docker://" + open.hostPort() + "/demo/hello:1.0"), 60);

      String noCredentials = proxies.replace("<username>px</username><password>px-secret</password>", "");
      Processes.Result refused = maven.mvn(maven.settings("settings-proxy-nocreds.xml", noCredentials), project,
          name, "image:build", "-Dimage.store=" + maven.work().resolve("store-proxy-refused"));
      assertNotEquals(0, refused.exitCode());
      String error = errorLine(refused.output(), "image:build failed");
      assertTrue(error.contains("407") && error.contains("<proxy> in settings.xml"), error);
      assertFalse(NestedMaven.hasStackTrace(refused.output()), refused.output());
    }
  }

  static String errorLine(String output, String marker) {
    return output.lines().filter(l -> l.startsWith("[ERROR]") && l.contains(marker)).findFirst()
        .orElseThrow(() -> new AssertionError("no [ERROR] line with '" + marker + "':\n" + output));
  }

  /** The {@code {...}} that {@code mvn --encrypt-(master-)password} prints (among ANSI colour codes). */
  private static String encryptedValue(String output) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{[A-Za-z0-9+/=]+\\}").matcher(output);
    if (!m.find()) {
      throw new AssertionError("no encrypted value in:\n" + output);
    }
    return m.group();
  }
}
