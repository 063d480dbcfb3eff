package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading mirror --htpasswd}: real clients (skopeo, containerd's ctr, curl) against two
 * mirrors with the same users, alice (may push) and bob (may only read):
 * {@code basic} answers Basic challenges and leaves reads anonymous; {@code token} answers bearer
 * challenges and requires a user for reads too (--auth-reads).
 */
class MirrorAuthIT {
  @TempDir static Path shared;
  private static String image;
  private static MirrorProcess basic;
  private static MirrorProcess token;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("htpasswd", "apache2-utils");
    Path users = shared.resolve("htpasswd");
    Processes.check(List.of("htpasswd", "-cbB", users.toString(), "alice", "alice-secret"), 60);
    Processes.check(List.of("htpasswd", "-bB", users.toString(), "bob", "bob-secret"), 60);
    image = BaseImages.layout("minimal");
    basic = MirrorProcess.start(shared.resolve("store-basic"), shared.resolve("basic.log"),
        "--htpasswd", users.toString(), "--push-users", "alice", "--auth-challenge", "basic");
    token = MirrorProcess.start(shared.resolve("store-token"), shared.resolve("token.log"),
        "--htpasswd", users.toString(), "--push-users", "alice", "--auth-reads");
  }

  @AfterAll
  static void stop() throws Exception {
    for (MirrorProcess m : new MirrorProcess[] {basic, token}) {
      if (m != null) {
        m.close();
      }
    }
  }

  private static Processes.Result skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    return Processes.run(cmd, 300);
  }

  private static Processes.Result push(MirrorProcess mirror, String target, String creds)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("copy", "--dest-tls-verify=false"));
    if (creds != null) {
      args.addAll(List.of("--dest-creds", creds));
    }
    args.addAll(List.of(image, "docker://" + mirror.host + "/" + target));
    return skopeo(args.toArray(String[]::new));
  }

  private static Processes.Result inspect(MirrorProcess mirror, String target, String creds)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("inspect", "--tls-verify=false"));
    if (creds != null) {
      args.addAll(List.of("--creds", creds));
    }
    args.add("docker://" + mirror.host + "/" + target);
    return skopeo(args.toArray(String[]::new));
  }

  private static String basicHeader(String user, String password) {
    return "Authorization: Basic " + Base64.getEncoder().encodeToString(
        (user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode firstError(Curl.Response r) throws IOException {
    return Json.mapper().readTree(r.body()).path("errors").path(0);
  }

  @Test
  void pushesNeedAUserWhileReadsStayAnonymous() throws Exception {
    Processes.Result anonymous = push(basic, "team/app:1", null);
    assertNotEquals(0, anonymous.exitCode(), anonymous.output());
    assertTrue(anonymous.output().contains("401") || anonymous.output().contains("unauthorized"),
        anonymous.output());
    push(basic, "team/app:1", "alice:alice-secret").assertSuccess(List.of("skopeo copy as alice"));
    inspect(basic, "team/app:1", null).assertSuccess(List.of("skopeo inspect, anonymous"));

    Curl curl = new Curl(tmp);
    Curl.Response upload = curl.call("POST", basic.url("/v2/team/app/blobs/uploads/"), null);
    assertEquals(401, upload.status());
    assertEquals("Basic realm=\"lading\"", upload.header("WWW-Authenticate"));
    assertEquals("UNAUTHORIZED", firstError(upload).path("code").asText());
    Curl.Response root = curl.call("GET", basic.url("/v2/"), null);
    assertEquals(401, root.status(), "the root challenges, so that clients learn how to log in");
    assertEquals(200, curl.call("GET", basic.url("/v2/team/app/tags/list"), null).status());
  }

  @Test
  void aWrongPasswordIsRefused() throws Exception {
    Processes.Result wrong = push(basic, "team/wrong:1", "alice:not-her-password");
    assertNotEquals(0, wrong.exitCode(), wrong.output());
    Curl curl = new Curl(tmp);
    Curl.Response root = curl.call("GET", basic.url("/v2/"), null,
        basicHeader("alice", "not-her-password"));
    assertEquals(401, root.status());
    assertEquals("UNAUTHORIZED", firstError(root).path("code").asText());
    Curl.Response unknownUser = curl.call("GET", basic.url("/v2/team/app/tags/list"), null,
        basicHeader("mallory", "alice-secret"));
    assertEquals(401, unknownUser.status(), "wrong credentials are refused even for open reads");
    assertEquals(200, curl.call("GET", basic.url("/v2/"), null,
        basicHeader("alice", "alice-secret")).status());
  }

  @Test
  void aUserWhoMayNotPushIsDenied() throws Exception {
    Processes.Result bob = push(basic, "team/bob:1", "bob:bob-secret");
    assertNotEquals(0, bob.exitCode(), bob.output());
    Curl.Response upload = new Curl(tmp).call("POST", basic.url("/v2/team/bob/blobs/uploads/"),
        null, basicHeader("bob", "bob-secret"));
    assertEquals(403, upload.status());
    assertEquals("DENIED", firstError(upload).path("code").asText());
  }

  @Test
  void skopeoFollowsTheTokenFlowAndReadsNeedAUser() throws Exception {
    push(token, "team/app:1", "alice:alice-secret").assertSuccess(List.of("skopeo copy as alice"));
    assertTrue(token.output().contains("GET /_lading/token 200"), "skopeo asked for a token");
    inspect(token, "team/app:1", "bob:bob-secret").assertSuccess(List.of("skopeo inspect as bob"));
    Processes.Result anonymous = inspect(token, "team/app:1", null);
    assertNotEquals(0, anonymous.exitCode(), "reads need a user: " + anonymous.output());
    Processes.Result bobPush = push(token, "team/bob:1", "bob:bob-secret");
    assertNotEquals(0, bobPush.exitCode(), bobPush.output());

    Curl curl = new Curl(tmp);
    Curl.Response manifest = curl.call("GET", token.url("/v2/team/app/manifests/1"), null);
    assertEquals(401, manifest.status());
    assertEquals("Bearer realm=\"http://" + token.host + "/_lading/token\",service=\"lading\","
        + "scope=\"repository:team/app:pull\"", manifest.header("WWW-Authenticate"));
    // bob asks for pull and push and is given pull only: his token reads, and pushes get 403.
    Curl.Response issued = curl.call("GET", token.url(
        "/_lading/token?service=lading&scope=repository:team/app:pull,push"), null,
        basicHeader("bob", "bob-secret"));
    assertEquals(200, issued.status());
    String bobToken = Json.mapper().readTree(issued.body()).path("token").asText();
    String bearer = "Authorization: Bearer " + bobToken;
    assertEquals(200, curl.call("GET", token.url("/v2/team/app/manifests/1"), null, bearer,
        "Accept: application/vnd.oci.image.manifest.v1+json").status());
    Curl.Response denied = curl.call("POST", token.url("/v2/team/app/blobs/uploads/"), null, bearer);
    assertEquals(403, denied.status());
    assertEquals("DENIED", firstError(denied).path("code").asText());
    Curl.Response otherRepository = curl.call("GET", token.url("/v2/team/other/tags/list"), null,
        bearer);
    assertEquals(401, otherRepository.status(), "a token is only good for its scope");
    assertTrue(otherRepository.header("WWW-Authenticate").contains("error=\"insufficient_scope\""));
    Curl.Response forged = curl.call("GET", token.url("/v2/team/app/tags/list"), null,
        "Authorization: Bearer " + bobToken.substring(0, bobToken.indexOf('.')) + ".AAAA");
    assertEquals(401, forged.status());
    assertEquals(401, curl.call("GET", token.url("/_lading/token?scope=repository:team/app:pull"),
        null, basicHeader("bob", "wrong")).status());
  }

  @Test
  void containerdPullsWithAUserThroughTheTokenFlow() throws Exception {
    RequiredTool.require("containerd", "containerd");
    RequiredTool.require("ctr", "containerd");
    if (!"root".equals(System.getProperty("user.name"))) {
      String why = "containerd needs root to run its own daemon here";
      if (RequiredTool.isCi()) {
        throw new AssertionError(why + "; CI runs as root");
      }
      Assumptions.abort(why);
    }
    push(token, "team/ctr:1", "alice:alice-secret").assertSuccess(List.of("skopeo copy as alice"));
    Path dir = Files.createTempDirectory("lading-ctd-"); // short: a socket path fits 108 bytes
    Path socket = dir.resolve("containerd.sock");
    Files.writeString(dir.resolve("config.toml"), String.join("\n",
        "version = 2",
        "root = \"" + dir.resolve("root") + "\"",
        "state = \"" + dir.resolve("state") + "\"",
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
        "[grpc]",
        "  address = \"" + socket + "\"", ""));
    Process containerd = new ProcessBuilder("containerd", "-c", dir.resolve("config.toml").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
    try {
      for (int i = 0; i < 200 && !Files.exists(socket); i++) {
        Thread.sleep(100);
      }
      List<String> pull = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "image", "pull",
          "--plain-http", "--snapshotter", "native"));
      Processes.Result anonymous = Processes.run(concat(pull, token.host + "/team/ctr:1"), 300);
      assertNotEquals(0, anonymous.exitCode(), anonymous.output());
      Processes.check(concat(pull, "--user", "bob:bob-secret", token.host + "/team/ctr:1"), 300);
    } finally {
      containerd.destroy();
      containerd.waitFor(30, TimeUnit.SECONDS);
      Processes.run(List.of("rm", "-rf", dir.toString()), 60);
    }
    assertTrue(token.output().contains("POST /_lading/token 200"),
        "containerd's OAuth2 password grant was answered");
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }
}
