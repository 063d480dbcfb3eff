package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Json;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading mirror --forward}: pushes to the mirror reach a real {@code docker-registry}
 * upstream through the durable outbox, across an upstream outage and a SIGKILL of the mirror. The
 * upstream is stopped and started again on the same port, as an outage looks to the mirror.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForwardIT {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final Pattern SERVING = Pattern.compile("serving .* at http://([0-9.]+:[0-9]+)/v2/");

  @TempDir static Path shared;
  private static int upstreamPort;
  private static LocalRegistry upstream;
  /** The same image as OCI and as Docker v2 schema 2: two manifests of other digests. */
  private static Path imageA;
  private static Path imageB;
  private static Digest digestA;
  private static Digest digestB;

  private Process mirror;
  private String host;
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("curl", "curl");
    upstreamPort = LocalRegistry.freePort();
    upstream = LocalRegistry.startOnPort(upstreamPort);
    BaseImages.push("minimal", upstream.hostPort() + "/base/minimal:1");
    imageA = shared.resolve("a");
    imageB = shared.resolve("b");
    String base = "docker://" + upstream.hostPort() + "/base/minimal:1";
    skopeo("copy", "--src-tls-verify=false", base, "dir:" + imageA);
    skopeo("copy", "--src-tls-verify=false", "--format", "v2s2", base, "dir:" + imageB);
    digestA = Digest.of(imageA.resolve("manifest.json"));
    digestB = Digest.of(imageB.resolve("manifest.json"));
    assertNotEquals(digestA, digestB);
  }

  @AfterAll
  static void stop() {
    if (upstream != null) {
      upstream.close();
    }
  }

  @AfterEach
  void stopMirror() throws InterruptedException {
    if (mirror != null) {
      mirror.destroy();
      assertTrue(mirror.waitFor(60, TimeUnit.SECONDS), "the mirror stops on SIGTERM");
    }
  }

  private void startMirror(Path store, String log, String... options) throws Exception {
    Path logFile = tmp.resolve(log);
    List<String> args = new ArrayList<>(List.of("mirror", "--listen", "127.0.0.1:0",
        "--upstream", "local=http://127.0.0.1:" + upstreamPort, "--forward-backoff-max", "2s"));
    args.addAll(List.of(options));
    mirror = new LadingJar(store).start(logFile, args.toArray(String[]::new));
    for (int i = 0; i < 600 && mirror.isAlive(); i++) {
      Matcher m = SERVING.matcher(Files.exists(logFile) ? Files.readString(logFile) : "");
      if (m.find()) {
        host = m.group(1);
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the mirror did not start:\n" + Files.readString(logFile));
  }

  private static String skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    return Processes.check(cmd, 300);
  }

  /** skopeo's push of a {@code dir:} image to the mirror as {@code name}. */
  private Processes.Result push(Path image, String name) throws IOException {
    return Processes.run(List.of("skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
        "dir:" + image, "docker://" + host + "/" + name), 300);
  }

  private void pushOk(Path image, String name) throws IOException {
    Processes.Result r = push(image, name);
    assertEquals(0, r.exitCode(), "the mirror acknowledges the push: " + r.output());
  }

  /** The digest the upstream has for {@code name}, by skopeo; null when it has none. */
  private static String atUpstream(String name) throws IOException {
    Processes.Result r = Processes.run(List.of("skopeo", "inspect", "--tls-verify=false",
        "--format", "{{.Digest}}", "docker://127.0.0.1:" + upstreamPort + "/" + name), 120);
    return r.exitCode() == 0 ? r.output().strip() : null;
  }

  private JsonNode status() throws IOException {
    Curl.Response r = new Curl(tmp).call("GET", "http://" + host + "/_lading/outbox", null);
    assertEquals(200, r.status(), r.text());
    return Json.mapper().readTree(r.text());
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    for (int i = 0; i < 1200; i++) {
      if (done.getAsBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting until " + what);
  }

  private void awaitAtUpstream(String name, Digest digest) throws InterruptedException {
    await(name + " is " + digest + " at the upstream", () -> {
      try {
        return digest.toString().equals(atUpstream(name));
      } catch (IOException e) {
        return false;
      }
    });
  }

  private void awaitOutboxEmpty() throws InterruptedException {
    await("the outbox is empty", () -> {
      try {
        return status().get("pending").isEmpty();
      } catch (IOException e) {
        return false;
      }
    });
  }

  private static List<Path> outboxFiles(Path store) throws IOException {
    Path dir = store.resolve(".lading/mirror/outbox");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".json")).toList();
    }
  }

  @Test
  @Order(1)
  void aPushReachesTheUpstreamWithTheSameDigest() throws Exception {
    Path store = tmp.resolve("store");
    startMirror(store, "mirror.log");
    pushOk(imageA, "team/app:1");
    awaitAtUpstream("team/app:1", digestA);
    awaitOutboxEmpty();
    assertTrue(outboxFiles(store).isEmpty(), "a forward's file goes once the upstream has it");
    assertEquals("async", status().get("forward").asText(), "async is the default with --upstream");
    String tags = new Curl(tmp).call("GET", "http://" + host + "/v2/team/app/tags/list", null).text();
    assertEquals("[\"1\"]", Json.mapper().readTree(tags).get("tags").toString(),
        "the outbox's pins are not listed");
    assertTrue(Files.readString(tmp.resolve("mirror.log")).contains(": done (attempt 1)"));
  }

  @Test
  @Order(2)
  void anIndexIsForwardedWithItsChildren() throws Exception {
    startMirror(tmp.resolve("store"), "mirror.log");
    pushOk(imageA, "team/blobs:1"); // the layer and config, in the store for the child below
    awaitOutboxEmpty();
    Curl curl = new Curl(tmp);
    byte[] child = Files.readAllBytes(imageA.resolve("manifest.json"));
    String childUrl = "http://" + host + "/v2/team/multi/manifests/" + digestA;
    assertEquals(201, curl.call("PUT", childUrl, child, "Content-Type: " + OCI_MANIFEST).status());
    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[{"
        + "\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + digestA + "\",\"size\":"
        + child.length + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Curl.Response put = curl.call("PUT", "http://" + host + "/v2/team/multi/manifests/1", index,
        "Content-Type: " + OCI_INDEX);
    assertEquals(201, put.status(), put.text());
    awaitOutboxEmpty();
    String upstreamUrl = "http://127.0.0.1:" + upstreamPort + "/v2/team/multi/manifests/";
    assertEquals(Digest.of(index).toString(), curl.call("HEAD", upstreamUrl + "1", null,
        "Accept: " + OCI_INDEX).header("Docker-Content-Digest"), "the index, byte for byte");
    assertEquals(200, curl.call("HEAD", upstreamUrl + digestA, null, "Accept: " + OCI_MANIFEST)
        .status(), "its child went first");
  }

  @Test
  @Order(3)
  void aPushAcknowledgedBeforeASigkillIsForwardedAfterTheRestart() throws Exception {
    Path store = tmp.resolve("store");
    upstream.close(); // so the forward cannot have happened before the kill
    upstream = null;
    startMirror(store, "mirror.log");
    pushOk(imageA, "team/killed:1");
    mirror.destroyForcibly(); // SIGKILL
    assertTrue(mirror.waitFor(60, TimeUnit.SECONDS));
    mirror = null;
    assertEquals(1, outboxFiles(store).size(), "the acknowledged push is in the outbox on disk");
    upstream = LocalRegistry.startOnPort(upstreamPort);
    assertEquals(null, atUpstream("team/killed:1"), "not forwarded yet");
    startMirror(store, "restarted.log");
    awaitAtUpstream("team/killed:1", digestA);
    awaitOutboxEmpty();
    assertTrue(Files.readString(tmp.resolve("restarted.log")).contains("1 pending from before"));
  }

  @Test
  @Order(4)
  void pushesWhileTheUpstreamIsDownArePendingThenArrive() throws Exception {
    upstream.close();
    upstream = null;
    startMirror(tmp.resolve("store"), "mirror.log");
    pushOk(imageA, "team/down:1");
    pushOk(imageB, "team/down2:1");
    await("both forwards failed twice", () -> {
      try {
        JsonNode pending = status().get("pending");
        return pending.size() == 2 && pending.get(0).get("attempts").asInt() >= 2
            && pending.get(1).get("attempts").asInt() >= 2;
      } catch (IOException e) {
        return false;
      }
    });
    JsonNode first = status().get("pending").get(0);
    assertEquals("team/down", first.get("repository").asText());
    assertEquals(digestA.toString(), first.get("digest").asText());
    assertEquals("local", first.get("upstream").asText());
    assertFalse(first.path("lastError").asText().isEmpty(), first.toString());
    upstream = LocalRegistry.startOnPort(upstreamPort);
    awaitAtUpstream("team/down:1", digestA);
    awaitAtUpstream("team/down2:1", digestB);
    awaitOutboxEmpty();
  }

  @Test
  @Order(5)
  void twoPushesOfOneTagEndWithTheSecondAtTheUpstream() throws Exception {
    upstream.close(); // both queue up, so the order is the outbox's, not the pushes' timing
    upstream = null;
    startMirror(tmp.resolve("store"), "mirror.log");
    pushOk(imageA, "team/order:1");
    pushOk(imageB, "team/order:1");
    upstream = LocalRegistry.startOnPort(upstreamPort);
    awaitOutboxEmpty();
    assertEquals(digestB.toString(), atUpstream("team/order:1"));
    String log = upstream.log();
    int a = log.indexOf("\"PUT /v2/team/order/manifests/1 HTTP");
    int b = log.indexOf("\"PUT /v2/team/order/manifests/1 HTTP", a + 1);
    assertTrue(a >= 0 && b > a, "two manifest PUTs, in order:\n" + log);
  }

  @Test
  @Order(6)
  void aReferrerIsForwardedByDigestAndListedInTheUpstreamsReferrersTag() throws Exception {
    Path store = tmp.resolve("store");
    startMirror(store, "mirror.log");
    pushOk(imageA, "team/signed:1");
    awaitOutboxEmpty();
    long subjectSize = Files.size(imageA.resolve("manifest.json"));
    byte[] sig = ReferrerManifests.referrer("application/vnd.example.signature", digestA,
        subjectSize, "async");
    byte[] sbom = ReferrerManifests.referrer("application/vnd.example.sbom", digestA, subjectSize,
        "sync");
    Curl curl = new Curl(tmp);
    assertEquals(201, curl.call("POST", "http://" + host + "/v2/team/signed/blobs/uploads/?digest="
        + Digest.of(ReferrerManifests.EMPTY), ReferrerManifests.EMPTY).status());
    Curl.Response put = curl.call("PUT", "http://" + host + "/v2/team/signed/manifests/"
        + Digest.of(sig), sig, "Content-Type: " + OCI_MANIFEST);
    assertEquals(201, put.status(), put.text());
    assertEquals(digestA.toString(), put.header("OCI-Subject"), "so the client keeps no tag itself");
    awaitOutboxEmpty();
    String upstreamUrl = "http://127.0.0.1:" + upstreamPort + "/v2/team/signed/manifests/";
    assertEquals(200, curl.call("HEAD", upstreamUrl + Digest.of(sig), null,
        "Accept: " + OCI_MANIFEST).status(), "forwarded by digest");
    assertEquals(List.of(Digest.of(sig).toString()), upstreamReferrersTag(curl, upstreamUrl));
    assertTrue(Files.readString(tmp.resolve("mirror.log")).contains("listed in the upstream's"
        + " referrers tag"));
    stopMirror();

    // --forward sync: listed upstream when the push returns, added to the tag's index.
    startMirror(store, "sync.log", "--forward", "sync");
    put = curl.call("PUT", "http://" + host + "/v2/team/signed/manifests/" + Digest.of(sbom), sbom,
        "Content-Type: " + OCI_MANIFEST);
    assertEquals(201, put.status(), put.text());
    assertEquals(List.of(Digest.of(sig).toString(), Digest.of(sbom).toString()),
        upstreamReferrersTag(curl, upstreamUrl));
    JsonNode sbomEntry = Json.mapper().readTree(curl.call("GET", upstreamUrl + "sha256-"
        + digestA.hex(), null, "Accept: " + OCI_INDEX).text()).get("manifests").get(1);
    assertEquals("application/vnd.example.sbom", sbomEntry.get("artifactType").asText());
    assertEquals("sync", sbomEntry.get("annotations").get("note").asText());
    // And the mirror lists both once: from the upstream, and stored here.
    Curl.Response referrers = curl.call("GET", "http://" + host + "/v2/team/signed/referrers/"
        + digestA, null);
    assertEquals(2, Json.mapper().readTree(referrers.text()).get("manifests").size(),
        referrers.text());
  }

  /** The digests the upstream's referrers tag of {@link #digestA} lists, in order. */
  private static List<String> upstreamReferrersTag(Curl curl, String manifestsUrl)
      throws IOException {
    Curl.Response index = curl.call("GET", manifestsUrl + "sha256-" + digestA.hex(), null,
        "Accept: " + OCI_INDEX);
    assertEquals(200, index.status(), index.text());
    List<String> digests = new ArrayList<>();
    Json.mapper().readTree(index.text()).get("manifests")
        .forEach(d -> digests.add(d.get("digest").asText()));
    return digests;
  }

  @Test
  @Order(7)
  void syncFailsThePushWhileTheUpstreamIsDownAndOffKeepsItLocal() throws Exception {
    Path store = tmp.resolve("store");
    startMirror(store, "sync.log", "--forward", "sync");
    pushOk(imageA, "team/sync:1");
    assertEquals(digestA.toString(), atUpstream("team/sync:1"), "there when the push returns");
    upstream.close();
    upstream = null;
    Processes.Result refused = push(imageA, "team/sync:2");
    assertNotEquals(0, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("502 Bad Gateway"), refused.output());
    // skopeo shows only the status; the body says what happened, for curl or a log.
    byte[] manifest = Files.readAllBytes(imageA.resolve("manifest.json"));
    Curl.Response put = new Curl(tmp).call("PUT", "http://" + host + "/v2/team/sync/manifests/3",
        manifest, "Content-Type: " + OCI_MANIFEST);
    assertEquals(502, put.status(), put.text());
    assertTrue(put.text().contains("stored in the mirror, but not accepted by upstream local"),
        put.text());
    assertTrue(put.text().contains("an earlier push to team/sync is not forwarded yet"),
        "queued behind the failing one, it fails at once: " + put.text());
    assertEquals(2, status().get("pending").size(), "kept, and still queued");
    stopMirror();

    upstream = LocalRegistry.startOnPort(upstreamPort);
    startMirror(tmp.resolve("store-off"), "off.log", "--forward", "off");
    pushOk(imageA, "team/off:1");
    assertEquals(404, new Curl(tmp).call("GET", "http://" + host + "/_lading/outbox", null).status());
    assertTrue(outboxFiles(tmp.resolve("store-off")).isEmpty());
    assertEquals(digestA.toString(), new Curl(tmp).call("HEAD",
        "http://" + host + "/v2/team/off/manifests/1", null).header("Docker-Content-Digest"));
    Thread.sleep(2000);
    assertEquals(null, atUpstream("team/off:1"), "never forwarded");
  }
}
