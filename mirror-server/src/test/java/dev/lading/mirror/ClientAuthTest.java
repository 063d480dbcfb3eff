package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.store.Store;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access rules' corners, in this JVM: anonymous tokens, empty Basic credentials, the catalog. */
class ClientAuthTest {
  /** {@code htpasswd -nbB alice secret}. */
  private static final String ALICE =
      "alice:$2y$05$VgK9lGOB7xZdmr26RdJQ3.bXQ.ZKWJLgfEVhPvoEaNU03bJT9xDLG";

  @TempDir Path tmp;
  private final List<MirrorServer> servers = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    servers.forEach(MirrorServer::close);
  }

  private String start(boolean authReads, ClientAuth.Challenge challenge) throws IOException {
    ClientAuth auth = ClientAuth.of(Htpasswd.parse(List.of(ALICE), "test"), authReads, Set.of(),
        challenge);
    MirrorServer server = MirrorServer.start(
        new StoreRegistryStorage(Store.open(tmp.resolve("store-" + servers.size()))), "127.0.0.1",
        0, new MirrorServer.Options(null, auth, new MirrorMetrics(), null,
            new RequestLog(RequestLog.Format.TEXT)), line -> { });
    servers.add(server);
    return "http://127.0.0.1:" + server.address().getPort();
  }

  private HttpResponse<String> send(String method, String url, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String code(HttpResponse<String> r) throws IOException {
    return Json.mapper().readTree(r.body()).path("errors").path(0).path("code").asText();
  }

  @Test
  void anAnonymousTokenReadsButCannotPush() throws Exception {
    String base = start(false, ClientAuth.Challenge.BEARER);
    HttpResponse<String> issued = send("GET",
        base + "/_lading/token?service=lading&scope=repository:team/app:pull,push");
    assertEquals(200, issued.statusCode());
    JsonNode body = Json.mapper().readTree(issued.body());
    assertEquals(300, body.path("expires_in").asInt());
    String bearer = "Bearer " + body.path("token").asText();
    assertEquals(404, send("GET", base + "/v2/team/app/tags/list", "Authorization", bearer)
        .statusCode(), "read: allowed, and there is no such repository");
    HttpResponse<String> push = send("POST", base + "/v2/team/app/blobs/uploads/",
        "Authorization", bearer);
    assertEquals(401, push.statusCode(), "anonymous: asked to log in, not denied");
    assertEquals("UNAUTHORIZED", code(push));
    assertTrue(push.headers().firstValue("WWW-Authenticate").orElseThrow()
        .endsWith("scope=\"repository:team/app:pull,push\",error=\"insufficient_scope\""));
  }

  @Test
  void emptyBasicCredentialsAreAnonymous() throws Exception {
    String open = start(false, ClientAuth.Challenge.BASIC);
    String closed = start(true, ClientAuth.Challenge.BASIC);
    String empty = "Basic " + Base64.getEncoder().encodeToString(":".getBytes(StandardCharsets.UTF_8));
    assertEquals(404, send("GET", open + "/v2/team/app/tags/list", "Authorization", empty)
        .statusCode());
    HttpResponse<String> refused = send("GET", closed + "/v2/team/app/tags/list",
        "Authorization", empty);
    assertEquals(401, refused.statusCode());
    assertEquals("Basic realm=\"lading\"", refused.headers().firstValue("WWW-Authenticate")
        .orElseThrow());
    assertEquals(401, send("GET", closed + "/metrics").statusCode(), "--auth-reads covers /metrics");
    String alice = "Basic " + Base64.getEncoder().encodeToString(
        "alice:secret".getBytes(StandardCharsets.UTF_8));
    assertEquals(200, send("GET", closed + "/metrics", "Authorization", alice).statusCode());
    assertEquals(200, send("GET", closed + "/v2/_catalog", "Authorization", alice).statusCode());
  }

  @Test
  void theCatalogNeedsItsOwnScope() throws Exception {
    String base = start(true, ClientAuth.Challenge.BEARER);
    HttpResponse<String> anonymous = send("GET", base + "/v2/_catalog");
    assertEquals(401, anonymous.statusCode());
    assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElseThrow()
        .contains("scope=\"registry:catalog:*\""));
    assertEquals(401, send("GET", base + "/_lading/token?scope=registry:catalog:*").statusCode(),
        "no anonymous tokens when reads need a user");
    HttpResponse<String> refresh = http.send(HttpRequest.newBuilder(
        URI.create(base + "/_lading/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=refresh_token&refresh_token=x"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, refresh.statusCode(), "only password grants");
    HttpResponse<String> form = http.send(HttpRequest.newBuilder(
        URI.create(base + "/_lading/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&username=alice"
            + "&password=secret&service=lading&scope=registry%3Acatalog%3A*"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, form.statusCode());
    String token = Json.mapper().readTree(form.body()).path("access_token").asText();
    assertEquals(200, send("GET", base + "/v2/_catalog", "Authorization", "Bearer " + token)
        .statusCode());
    assertEquals(401, send("GET", base + "/v2/team/app/tags/list", "Authorization",
        "Bearer " + token).statusCode(), "the catalog scope is not a repository's");
  }
}
