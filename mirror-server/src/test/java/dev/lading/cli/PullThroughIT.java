package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.registry.BlobSource;
import dev.lading.registry.RegistryClient;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading mirror --upstream} as a process in front of a real {@code docker-registry}, whose
 * access log counts what reaches the upstream. Two upstream names point at the same registry, so the
 * store name an image lands under shows which route a request took: {@code local} (the first, so
 * the default) and {@code docker.io}. The last test stops the upstream for good.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PullThroughIT {
  private static final Pattern SERVING = Pattern.compile("serving .* at http://([0-9.]+:[0-9]+)/v2/");

  @TempDir static Path shared;
  private static LocalRegistry upstream;
  /** The upstream's URL, kept for restarting the mirror after the upstream is gone. */
  private static String upstreamUrl;
  private static Path storeDir;
  private static Path mirrorLog;
  private static Process mirror;
  private static String host;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("curl", "curl");
    upstream = LocalRegistry.startWithAccessLog();
    upstreamUrl = "http://" + upstream.hostPort();
    BaseImages.push("minimal", upstream.hostPort() + "/library/minimal:1");
    storeDir = shared.resolve("store");
    startMirror("mirror.log");
  }

  private static void startMirror(String log) throws Exception {
    mirrorLog = shared.resolve(log);
    String up = upstreamUrl;
    mirror = new LadingJar(storeDir).start(mirrorLog, "mirror", "--listen", "127.0.0.1:0",
        "--upstream", "local=" + up, "--upstream", "docker.io=" + up, "--tag-ttl", "2s");
    for (int i = 0; i < 600 && mirror.isAlive(); i++) {
      Matcher m = SERVING.matcher(Files.exists(mirrorLog) ? Files.readString(mirrorLog) : "");
      if (m.find()) {
        host = m.group(1);
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the mirror did not start:\n" + Files.readString(mirrorLog));
  }

  private static void stopMirror() throws InterruptedException {
    mirror.destroy(); // SIGTERM
    assertTrue(mirror.waitFor(60, TimeUnit.SECONDS), "the mirror stops on SIGTERM");
  }

  @AfterAll
  static void stop() throws Exception {
    if (mirror != null) {
      stopMirror();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static String skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    return Processes.check(cmd, 300);
  }

  /** Requests the upstream answered with a GET of {@code path}, from its access log. */
  private static int upstreamGets(String path) {
    return upstreamRequests("GET", path);
  }

  private static int upstreamRequests(String method, String path) {
    return upstream.log().split("\"" + method + " " + Pattern.quote(path) + " HTTP", -1).length - 1;
  }

  private static Path storedBlob(Digest digest) {
    return storeDir.resolve("blobs/sha256/" + digest.hex());
  }

  private String url(String path) {
    return "http://" + host + path;
  }

  private static JsonNode json(String text) throws IOException {
    return Json.mapper().readTree(text);
  }

  /** The blobs of a {@code dir:} copy, checked against their names. */
  private static List<Digest> blobsOf(Path dir) throws IOException {
    List<Digest> blobs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.matches("[a-f0-9]{64}")) {
          assertEquals(name, Digest.of(f).hex(), "blob " + name + " came through byte for byte");
          blobs.add(Digest.parse("sha256:" + name));
        }
      }
    }
    return blobs;
  }

  @Test
  @Order(1)
  void pullsColdThenWarmWithOneUpstreamFetchPerBlob() throws Exception {
    String image = "docker://" + host + "/docker.io/library/minimal:1";
    skopeo("copy", "--src-tls-verify=false", image, "dir:" + tmp.resolve("cold"));
    List<Digest> blobs = blobsOf(tmp.resolve("cold"));
    assertEquals(2, blobs.size(), "a config and a layer");
    for (Digest blob : blobs) {
      assertEquals(1, upstreamGets("/v2/library/minimal/blobs/" + blob), "fetched once: " + blob);
      assertTrue(Files.isRegularFile(storedBlob(blob)), "kept in the store");
    }
    skopeo("copy", "--src-tls-verify=false", image, "dir:" + tmp.resolve("warm"));
    assertEquals(blobs.size(), blobsOf(tmp.resolve("warm")).size());
    for (Digest blob : blobs) {
      assertEquals(1, upstreamGets("/v2/library/minimal/blobs/" + blob), "not fetched again: " + blob);
    }
    Digest manifest = Digest.of(tmp.resolve("cold/manifest.json"));
    JsonNode inStore = json(new LadingJar(storeDir).ok("inspect", "store:docker.io/library/minimal:1"));
    assertEquals(manifest.toString(), inStore.get("digest").asText(), "cached under the upstream's name");
  }

  @Test
  @Order(2)
  void twentyConcurrentColdRequestsCauseOneUpstreamFetch() throws Exception {
    // A fresh tag and a 32 MiB blob nobody asked the mirror for yet.
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        "docker://" + upstream.hostPort() + "/library/minimal:1",
        "docker://" + upstream.hostPort() + "/library/big:1");
    byte[] content = new byte[32 * 1024 * 1024];
    new Random(20).nextBytes(content);
    Descriptor big = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(content), content.length);
    RegistryClient.builder().build().pushBlob(upstream.hostPort(), "library/big", big,
        BlobSource.of(content));

    int clients = 20;
    ExecutorService pool = Executors.newFixedThreadPool(2 * clients);
    try {
      List<Future<Digest>> blobs = new ArrayList<>();
      List<Future<Digest>> manifests = new ArrayList<>();
      long started = System.nanoTime();
      for (int i = 0; i < clients; i++) {
        blobs.add(pool.submit(() -> curlDigest(url("/v2/library/big/blobs/" + big.digest()))));
        manifests.add(pool.submit(() -> curlDigest(url("/v2/library/big/manifests/1"))));
      }
      for (Future<Digest> f : blobs) {
        assertEquals(big.digest(), f.get(300, TimeUnit.SECONDS), "every client gets the whole blob");
      }
      Digest manifest = manifests.get(0).get(300, TimeUnit.SECONDS);
      for (Future<Digest> f : manifests) {
        assertEquals(manifest, f.get(300, TimeUnit.SECONDS));
      }
      System.out.printf("20 clients x (32 MiB blob + manifest), cold: %d ms%n",
          (System.nanoTime() - started) / 1_000_000);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, upstreamGets("/v2/library/big/blobs/" + big.digest()), upstream.log());
    assertEquals(1, upstreamGets("/v2/library/big/manifests/1"), "one manifest fetch");
    assertTrue(Files.isRegularFile(storedBlob(big.digest())));
    // No route named: the default upstream, cached under its name.
    new LadingJar(storeDir).ok("inspect", "store:local/library/big:1");
  }

  @Test
  @Order(3)
  void pullsAnIndexAndItsChildByDigest() throws Exception {
    String up = upstream.hostPort();
    // As Docker v2s2: a child manifest the store does not hold yet.
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "v2s2",
        "docker://" + up + "/library/minimal:1", "docker://" + up + "/library/multi:child");
    RegistryClient client = RegistryClient.builder().build();
    Descriptor child = client.headManifest(up, "library/multi", "child").orElseThrow();
    String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{"
        + "\"mediaType\":\"" + child.mediaType() + "\",\"digest\":\"" + child.digest() + "\",\"size\":"
        + child.size() + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
    client.putManifest(up, "library/multi", "1", index.getBytes(StandardCharsets.UTF_8),
        MediaTypes.OCI_INDEX);

    Path dir = tmp.resolve("multi");
    skopeo("copy", "--all", "--src-tls-verify=false",
        "docker://" + host + "/docker.io/library/multi:1", "dir:" + dir);
    assertEquals(Digest.of(index.getBytes(StandardCharsets.UTF_8)), Digest.of(dir.resolve("manifest.json")),
        "the index, byte for byte");
    assertEquals(2, blobsOf(dir).size());
    assertEquals(1, upstreamGets("/v2/library/multi/manifests/" + child.digest()), "the child, by digest");
    // Kept in the store under its repository, and served again without the upstream.
    skopeo("copy", "--all", "--src-tls-verify=false",
        "docker://" + host + "/docker.io/library/multi:1", "dir:" + tmp.resolve("multi-again"));
    assertEquals(1, upstreamGets("/v2/library/multi/manifests/" + child.digest()));
  }

  @Test
  @Order(4)
  void revalidatesATagOncePerTtlAndFollowsItWhenItMoves() throws Exception {
    String up = "docker://" + upstream.hostPort();
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        up + "/library/minimal:1", up + "/library/moving:1");
    Curl curl = new Curl(tmp);
    String tag = url("/v2/docker.io/library/moving/manifests/1");
    Digest first = Digest.parse(curl.call("GET", tag, null).header("Docker-Content-Digest"));
    assertEquals(first, Digest.parse(curl.call("GET", tag, null).header("Docker-Content-Digest")));
    assertEquals(0, upstreamRequests("HEAD", "/v2/library/moving/manifests/1"),
        "within --tag-ttl the cached tag is served without asking");

    // The tag moves upstream (the same image as Docker v2s2: another manifest, another digest).
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "v2s2",
        up + "/library/minimal:1", up + "/library/moving:1");
    Thread.sleep(2_100); // past --tag-ttl
    Curl.Response moved = curl.call("GET", tag, null);
    Digest second = Digest.parse(moved.header("Docker-Content-Digest"));
    assertNotEquals(first, second, "followed upstream once the TTL passed");
    assertEquals(MediaTypes.DOCKER_MANIFEST, moved.header("Content-Type"));
    assertEquals(1, upstreamRequests("HEAD", "/v2/library/moving/manifests/1"), "one HEAD");
    assertEquals(second.toString(), json(new LadingJar(storeDir).ok("inspect",
        "store:docker.io/library/moving:1")).get("digest").asText());
    // The old manifest stays available by digest: digests never change.
    assertEquals(200, curl.call("GET", url("/v2/docker.io/library/moving/manifests/" + first), null).status());
  }

  /** The referrers listed before the upstream went away, and the referrer itself, from the cache. */
  private void assertReferrersServedFromCache(String round) throws IOException {
    Curl curl = new Curl(tmp);
    String referrers = url("/v2/docker.io/library/signed/referrers/" + signedSubject);
    Curl.Response all = curl.call("GET", referrers, null);
    assertEquals(200, all.status(), round + ": " + all.text());
    assertEquals("110 - \"upstream unreachable, served from cache\"", all.header("Warning"), round);
    assertEquals(3, json(all.text()).get("manifests").size(), round + ": " + all.text());
    // Asked before with this filter, and never: the unfiltered list, filtered here.
    for (String type : List.of("application/vnd.example.sbom", "application/vnd.example.signature")) {
      Curl.Response one = curl.call("GET", referrers + "?artifactType=" + type, null);
      assertEquals(200, one.status(), round + ": " + one.text());
      assertEquals(1, json(one.text()).get("manifests").size(), round + " " + type + ": " + one.text());
      assertEquals(type, json(one.text()).get("manifests").get(0).get("artifactType").asText());
    }
    Curl.Response sig = curl.call("GET", url("/v2/docker.io/library/signed/manifests/"
        + Digest.of(signature)), null);
    assertEquals(200, sig.status(), round);
    Curl.Response unknown = curl.call("GET", url("/v2/docker.io/library/never/referrers/"
        + Digest.of(round.getBytes(StandardCharsets.UTF_8))), null);
    assertEquals(503, unknown.status(), round + ": nothing known is not \"none\": " + unknown.text());
  }

  /** The digest of what {@code curl URL} printed; fails unless curl succeeded. */
  private static Digest curlDigest(String url) throws IOException, InterruptedException {
    Process curl = new ProcessBuilder("curl", "-sS", "-f", url)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    Digest digest;
    try (InputStream in = curl.getInputStream()) {
      digest = Digest.of(in);
    }
    assertEquals(0, curl.waitFor(), "curl " + url);
    return digest;
  }

  @Test
  @Order(5)
  void routesByNsParameterAndByHostPrefix() throws Exception {
    for (String tag : List.of("ns", "prefix", "nshost")) {
      skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
          "docker://" + upstream.hostPort() + "/library/minimal:1",
          "docker://" + upstream.hostPort() + "/library/routes:" + tag);
    }
    Curl curl = new Curl(tmp);
    Curl.Response ns = curl.call("GET", url("/v2/library/routes/manifests/ns?ns=docker.io"), null);
    assertEquals(200, ns.status(), ns.text());
    Curl.Response byHost = curl.call("GET",
        url("/v2/library/routes/manifests/nshost?ns=" + upstream.hostPort()), null);
    assertEquals(200, byHost.status(), byHost.text());
    Curl.Response prefix = curl.call("GET", url("/v2/docker.io/library/routes/manifests/prefix"), null);
    assertEquals(200, prefix.status(), prefix.text());
    // Where each was cached shows the upstream each route chose.
    LadingJar lading = new LadingJar(storeDir);
    lading.ok("inspect", "store:docker.io/library/routes:ns");
    lading.ok("inspect", "store:docker.io/library/routes:prefix");
    lading.ok("inspect", "store:local/library/routes:nshost"); // the host of 'local', listed first
    assertNotEquals(0, lading.run("inspect", "store:local/library/routes:ns").exitCode());
    for (String tag : List.of("ns", "prefix", "nshost")) {
      assertEquals(1, upstreamGets("/v2/library/routes/manifests/" + tag));
    }
    Curl.Response unknown = curl.call("GET", url("/v2/library/routes/manifests/absent?ns=docker.io"), null);
    assertEquals(404, unknown.status());
  }

  @Test
  @Order(6)
  void containerdPullsThroughAHostsTomlMirror() throws Exception {
    RequiredTool.require("containerd", "containerd");
    RequiredTool.require("ctr", "containerd");
    if (!"root".equals(System.getProperty("user.name"))) {
      String why = "containerd needs root to run its own daemon here";
      if (RequiredTool.isCi()) {
        throw new AssertionError(why + "; CI runs as root");
      }
      Assumptions.abort(why);
    }
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        "docker://" + upstream.hostPort() + "/library/minimal:1",
        "docker://" + upstream.hostPort() + "/library/ctr:1");
    // A short path: the socket's must fit in 108 bytes.
    Path dir = Files.createTempDirectory("lading-ctd-");
    Path socket = dir.resolve("containerd.sock");
    Files.writeString(dir.resolve("config.toml"), String.join("\n",
        "version = 2",
        "root = \"" + dir.resolve("root") + "\"",
        "state = \"" + dir.resolve("state") + "\"",
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
        "[grpc]",
        "  address = \"" + socket + "\"", ""));
    // What a node is given to use the mirror for docker.io: containerd adds ?ns=docker.io.
    Path hosts = Files.createDirectories(dir.resolve("hosts/docker.io"));
    Files.writeString(hosts.resolve("hosts.toml"), String.join("\n",
        "server = \"https://registry-1.docker.io\"",
        "[host.\"http://" + host + "\"]",
        "  capabilities = [\"pull\", \"resolve\"]", ""));
    Process containerd = new ProcessBuilder("containerd", "-c", dir.resolve("config.toml").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
    try {
      for (int i = 0; i < 200 && !Files.exists(socket); i++) {
        Thread.sleep(100);
      }
      Processes.check(List.of("ctr", "-a", socket.toString(), "image", "pull", "--hosts-dir",
          dir.resolve("hosts").toString(), "--snapshotter", "native", "docker.io/library/ctr:1"), 300);
    } finally {
      containerd.destroy();
      containerd.waitFor(30, TimeUnit.SECONDS);
      Processes.run(List.of("rm", "-rf", dir.toString()), 60);
    }
    assertEquals(1, upstreamGets("/v2/library/ctr/manifests/1"), "resolved through the mirror");
    new LadingJar(storeDir).ok("inspect", "store:docker.io/library/ctr:1"); // the ?ns= route
  }

  @Test
  @Order(7)
  void neverKeepsABlobWhoseUpstreamBytesDoNotMatchItsDigest() throws Exception {
    byte[] content = new byte[4 * 1024 * 1024];
    new Random(4).nextBytes(content);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(content), content.length);
    RegistryClient.builder().build().pushBlob(upstream.hostPort(), "library/bad", blob,
        BlobSource.of(content));
    // The upstream's disk rots: same size, other bytes, served without a check by the registry.
    Path data = upstream.root().resolve("data/docker/registry/v2/blobs/sha256/"
        + blob.digest().hex().substring(0, 2) + "/" + blob.digest().hex() + "/data");
    content[content.length - 1] ^= 1;
    Files.write(data, content);

    for (int attempt = 0; attempt < 2; attempt++) {
      Path out = tmp.resolve("bad-" + attempt);
      Processes.Result r = Processes.run(List.of("curl", "-sS", "-o", out.toString(),
          url("/v2/library/bad/blobs/" + blob.digest())), 120);
      assertNotEquals(0, r.exitCode(), "the client's stream is cut: " + r.output());
      assertTrue(Files.size(out) < content.length, "the last byte is never sent");
      assertFalse(Files.exists(storedBlob(blob.digest())), "nothing visible in the store");
    }
    assertEquals(2, upstreamGets("/v2/library/bad/blobs/" + blob.digest()),
        "a failed fetch is not remembered as a success");
    String fsck = new LadingJar(storeDir).ok("store", "fsck");
    assertFalse(fsck.contains(blob.digest().hex()), fsck);
  }

  @Test
  @Order(8)
  void listsTheUpstreamsTagsWithTheOnesCachedHere() throws Exception {
    String up = "docker://" + upstream.hostPort();
    for (String tag : List.of("c", "a", "b")) {
      skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
          up + "/library/minimal:1", up + "/library/listed:" + tag);
    }
    Curl curl = new Curl(tmp);
    // Never pulled through the mirror: the list comes from the upstream.
    Curl.Response all = curl.call("GET", url("/v2/docker.io/library/listed/tags/list"), null);
    assertEquals(200, all.status(), all.text());
    assertEquals("docker.io/library/listed", json(all.text()).get("name").asText());
    assertEquals("[\"a\",\"b\",\"c\"]", json(all.text()).get("tags").toString());
    assertEquals(1, upstreamGets("/v2/library/listed/tags/list"));
    Curl.Response page = curl.call("GET", url("/v2/docker.io/library/listed/tags/list?n=2"), null);
    assertEquals("[\"a\",\"b\"]", json(page.text()).get("tags").toString());
    assertEquals("</v2/docker.io/library/listed/tags/list?n=2&last=b>; rel=\"next\"", page.header("Link"));
    // By ?ns= too, as containerd asks.
    Curl.Response ns = curl.call("GET", url("/v2/library/listed/tags/list?ns=docker.io"), null);
    assertEquals("[\"a\",\"b\",\"c\"]", json(ns.text()).get("tags").toString());
    // A tag cached here that the upstream no longer has is still listed: it can still be pulled.
    assertEquals(200, curl.call("GET", url("/v2/docker.io/library/listed/manifests/a"), null).status());
    Curl.Response unknown = curl.call("GET", url("/v2/docker.io/library/nothing/tags/list"), null);
    assertEquals(404, unknown.status(), unknown.text());
    assertTrue(unknown.text().contains("NAME_UNKNOWN"), unknown.text());
  }

  /** Set by {@link #listsTheUpstreamsReferrersWithThoseStoredHere}, for the offline rounds. */
  private static Digest signedSubject;
  private static byte[] signature;

  @Test
  @Order(9)
  void listsTheUpstreamsReferrersWithThoseStoredHere() throws Exception {
    String up = upstream.hostPort();
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        "docker://" + up + "/library/minimal:1", "docker://" + up + "/library/signed:1");
    RegistryClient client = RegistryClient.builder().build();
    Descriptor subject = client.headManifest(up, "library/signed", "1").orElseThrow();
    signedSubject = subject.digest();
    client.pushBlob(up, "library/signed", Descriptor.of(ReferrerManifests.EMPTY_TYPE,
        Digest.of(ReferrerManifests.EMPTY), 2), BlobSource.of(ReferrerManifests.EMPTY));
    // Pushed as oras pushes to distribution 2.8, which has no referrers API: by digest, then
    // listed in the index at the referrers tag.
    String sigType = "application/vnd.example.signature";
    String sbomType = "application/vnd.example.sbom";
    signature = ReferrerManifests.referrer(sigType, subject.digest(), subject.size(), "sig");
    byte[] sbom = ReferrerManifests.referrer(sbomType, subject.digest(), subject.size(), "sbom");
    for (byte[] m : List.of(signature, sbom)) {
      client.putManifest(up, "library/signed", Digest.of(m).toString(), m, MediaTypes.OCI_MANIFEST);
    }
    String fallbackTag = "sha256-" + subject.digest().hex();
    client.putManifest(up, "library/signed", fallbackTag,
        ReferrerManifests.tagIndex(new String[] {sigType, sbomType}, signature, sbom),
        MediaTypes.OCI_INDEX);

    Curl curl = new Curl(tmp);
    String referrers = url("/v2/docker.io/library/signed/referrers/" + subject.digest());
    Curl.Response cold = curl.call("GET", referrers, null);
    assertEquals(200, cold.status(), cold.text());
    assertEquals(MediaTypes.OCI_INDEX, cold.header("Content-Type"));
    assertEquals(null, cold.header("Warning"));
    JsonNode listed = json(cold.text()).get("manifests");
    assertEquals(2, listed.size(), cold.text());
    assertEquals(Digest.of(signature).toString(), listed.get(0).get("digest").asText());
    assertEquals(sigType, listed.get(0).get("artifactType").asText());
    assertEquals(1, upstreamGets("/v2/library/signed/referrers/" + subject.digest()),
        "the referrers API first (distribution 2.8 answers 404)");
    assertEquals(1, upstreamGets("/v2/library/signed/manifests/" + fallbackTag), "then the tag");

    Curl.Response filtered = curl.call("GET", referrers + "?artifactType=" + sbomType, null);
    assertEquals("artifactType", filtered.header("OCI-Filters-Applied"));
    JsonNode onlySbom = json(filtered.text()).get("manifests");
    assertEquals(1, onlySbom.size(), filtered.text());
    assertEquals(Digest.of(sbom).toString(), onlySbom.get(0).get("digest").asText());

    // What a verifier does next: the referrer by digest, pulled through and kept.
    String byDigest = url("/v2/docker.io/library/signed/manifests/" + Digest.of(signature));
    for (int i = 0; i < 2; i++) {
      Curl.Response sig = curl.call("GET", byDigest, null);
      assertEquals(200, sig.status(), sig.text());
      assertEquals(Digest.of(signature), Digest.of(sig.body()), "byte for byte");
    }
    assertEquals(1, upstreamGets("/v2/library/signed/manifests/" + Digest.of(signature)));
    assertEquals(2, json(curl.call("GET", referrers, null).text()).get("manifests").size(),
        "the referrer now stored here is listed once");
    assertEquals(1, upstreamGets("/v2/library/signed/referrers/" + subject.digest()),
        "an upstream without the referrers API is asked through its tag from then on");
    assertEquals(3, upstreamGets("/v2/library/signed/manifests/" + fallbackTag));

    // One pushed here is listed with the upstream's at once, whether or not it is forwarded yet.
    byte[] attestation = ReferrerManifests.referrer("application/vnd.example.attestation",
        subject.digest(), subject.size(), "here");
    assertEquals(201, curl.call("POST", url("/v2/docker.io/library/signed/blobs/uploads/?digest="
        + Digest.of(ReferrerManifests.EMPTY)), ReferrerManifests.EMPTY).status());
    Curl.Response put = curl.call("PUT", url("/v2/docker.io/library/signed/manifests/"
        + Digest.of(attestation)), attestation, "Content-Type: " + MediaTypes.OCI_MANIFEST);
    assertEquals(201, put.status(), put.text());
    JsonNode all = json(curl.call("GET", referrers, null).text()).get("manifests");
    assertEquals(3, all.size(), all.toString());
    assertEquals("here", all.get(2).get("annotations").get("note").asText());
    String metrics = curl.call("GET", url("/metrics"), null).text();
    assertTrue(metrics.contains("lading_mirror_upstream_fetches_total{kind=\"referrers\"} 4"),
        metrics);
  }

  @Test
  @Order(10)
  void servesTheCacheWithAWarningAndTakesPushesWhileTheUpstreamIsDownAndAfterARestart() throws Exception {
    upstream.close();
    upstream = null;
    for (String round : List.of("upstream-down", "mirror-restarted")) {
      Path dir = tmp.resolve(round);
      skopeo("copy", "--src-tls-verify=false",
          "docker://" + host + "/docker.io/library/minimal:1", "dir:" + dir);
      assertEquals(2, blobsOf(dir).size(), round);
      Curl.Response head = new Curl(tmp).call("HEAD",
          url("/v2/docker.io/library/minimal/manifests/1"), null);
      assertEquals(200, head.status(), round);
      assertEquals("110 - \"upstream unreachable, served from cache\"", head.header("Warning"), round);
      Curl.Response tags = new Curl(tmp).call("GET", url("/v2/docker.io/library/listed/tags/list"), null);
      assertEquals(200, tags.status(), round + ": " + tags.text());
      assertEquals("[\"a\"]", json(tags.text()).get("tags").toString(), round + ": the cached tag only");
      assertEquals("110 - \"upstream unreachable, served from cache\"", tags.header("Warning"), round);
      Curl.Response noTags = new Curl(tmp).call("GET", url("/v2/docker.io/library/never/tags/list"), null);
      assertEquals(503, noTags.status(), round + ": " + noTags.text());
      assertReferrersServedFromCache(round);
      // What was never cached: 503 to a GET, but 404 to a HEAD, which a push asks before uploading.
      Curl.Response never = new Curl(tmp).call("GET", url("/v2/docker.io/library/never/manifests/1"), null);
      assertEquals(503, never.status(), never.text());
      assertTrue(never.text().contains("UNAVAILABLE"), never.text());
      Digest absent = Digest.of(round.getBytes(StandardCharsets.UTF_8));
      assertEquals(404, new Curl(tmp).call("HEAD", url("/v2/team/offline/blobs/" + absent), null).status());
      skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
          "docker://" + host + "/docker.io/library/minimal:1", "docker://" + host + "/team/offline:" + round);
      if (round.equals("upstream-down")) {
        stopMirror();
        startMirror("mirror-restarted.log");
      }
    }
  }
}
