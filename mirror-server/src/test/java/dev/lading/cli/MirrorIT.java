package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.registry.BlobSink;
import dev.lading.registry.BlobSource;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lading mirror} as a process over a store, driven by skopeo, curl and our RegistryClient.
 *
 * <p>The distribution spec's endpoints and where they are covered here:
 * end-1 {@code GET /v2/} (every skopeo call; {@link #pushesAndPullsOciAndDockerImagesByteForByte});
 * end-2 {@code GET|HEAD /v2/<name>/blobs/<digest>} (skopeo pulls; ranges in
 * {@link #uploadsInChunksMountsAndResumesDownloads}); end-3 {@code GET|HEAD .../manifests/<ref>}
 * (skopeo inspect, curl HEAD); end-4a {@code POST .../blobs/uploads/} and end-4b with
 * {@code ?digest=} (RegistryClient, curl); end-5 {@code PATCH .../blobs/uploads/<id>} and end-6
 * {@code PUT ...?digest=} (RegistryClient's chunks, skopeo); end-7 {@code PUT .../manifests/<ref>}
 * (skopeo, curl, referrers); end-8a/8b {@code GET .../tags/list[?n&last]} and {@code _catalog}
 * ({@link #listsTagsAndRepositoriesPageByPage}); end-9 {@code DELETE .../manifests/<ref>} (same);
 * end-10 {@code DELETE .../blobs/<digest>}: refused with 405, blobs are shared by the whole store
 * (malformed table); end-11 {@code POST ...?mount=&from=} (chunks test); end-12a/12b
 * {@code GET .../referrers/<digest>[?artifactType]} ({@link #indexesReferrersAndKeepsThemThroughGc});
 * end-13 {@code GET .../blobs/uploads/<id>} (chunks test).
 */
class MirrorIT {
  private static final Pattern SERVING = Pattern.compile("serving .* at http://([0-9.]+:[0-9]+)/v2/");

  @TempDir static Path shared;
  private static Path storeDir;
  private static Process mirror;
  private static Path mirrorLog;
  private static String host;

  @TempDir Path tmp;

  @BeforeAll
  static void startMirror() throws Exception {
    RequiredTool.require("skopeo", "skopeo");
    storeDir = shared.resolve("store");
    mirrorLog = shared.resolve("mirror.log");
    mirror = new LadingJar(storeDir).start(mirrorLog, "mirror", "--listen", "127.0.0.1:0");
    host = awaitServing(mirror, mirrorLog);
    BaseImages.push("minimal", host + "/library/minimal:1");
  }

  @AfterAll
  static void stopMirror() throws Exception {
    if (mirror != null) {
      mirror.destroy(); // SIGTERM
      assertTrue(mirror.waitFor(60, TimeUnit.SECONDS), "the mirror stops on SIGTERM");
    }
  }

  /** Waits for the start-up line and returns the address it names. */
  private static String awaitServing(Process process, Path log) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (Files.exists(log)) {
        Matcher m = SERVING.matcher(Files.readString(log));
        if (m.find()) {
          return m.group(1);
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the mirror did not start:\n" + (Files.exists(log) ? Files.readString(log) : ""));
  }

  private static String skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    return Processes.check(cmd, 300);
  }

  private static JsonNode json(String text) throws IOException {
    return Json.mapper().readTree(text);
  }

  private String url(String path) {
    return "http://" + host + path;
  }

  /** Every file of a {@code dir:} copy is named by its digest or is the manifest of the given one. */
  private static void assertDirCopyIsExact(Path dir, Digest manifest) throws IOException {
    assertEquals(manifest, Digest.of(dir.resolve("manifest.json")));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.matches("[a-f0-9]{64}")) {
          assertEquals(name, Digest.of(f).hex(), "blob " + name + " came back byte for byte");
        }
      }
    }
  }

  @Test
  void pushesAndPullsOciAndDockerImagesByteForByte() throws Exception {
    String oci = host + "/library/minimal:1";
    JsonNode pushed = json(skopeo("inspect", "--tls-verify=false", "docker://" + oci));
    Digest ociDigest = Digest.parse(pushed.get("Digest").asText());
    byte[] raw = skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + oci)
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(ociDigest, Digest.of(raw), "the manifest is served as pushed");
    Curl curl = new Curl(tmp);
    Curl.Response ociHead = curl.call("HEAD", url("/v2/library/minimal/manifests/1"), null);
    assertEquals(MediaTypes.OCI_MANIFEST, ociHead.header("Content-Type"));
    assertEquals(Integer.toString(raw.length), ociHead.header("Content-Length"));
    assertEquals(ociDigest.toString(), ociHead.header("Docker-Content-Digest"));

    // Docker v2 schema 2: skopeo converts on the way from the mirror back into the mirror.
    String docker = host + "/docker/minimal:2";
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "v2s2",
        "docker://" + oci, "docker://" + docker);
    Curl.Response head = curl.call("HEAD", url("/v2/docker/minimal/manifests/2"), null);
    assertEquals(200, head.status());
    assertEquals(MediaTypes.DOCKER_MANIFEST, head.header("Content-Type"));
    Digest dockerDigest = Digest.parse(head.header("Docker-Content-Digest"));
    assertEquals(dockerDigest, Digest.of(skopeo("inspect", "--raw", "--tls-verify=false",
        "docker://" + docker).getBytes(StandardCharsets.UTF_8)));

    for (String[] image : new String[][] {{oci, ociDigest.toString()}, {docker, dockerDigest.toString()}}) {
      Path dir = tmp.resolve("pulled-" + image[1].substring(7, 19));
      skopeo("copy", "--src-tls-verify=false", "docker://" + image[0], "dir:" + dir);
      assertDirCopyIsExact(dir, Digest.parse(image[1]));
    }

    // The pushes are in the store, where the CLI finds them by name.
    LadingJar lading = new LadingJar(storeDir);
    assertEquals(ociDigest.toString(), json(lading.ok("inspect", "store:library/minimal:1")).get("digest").asText());
    JsonNode dockerInStore = json(lading.ok("inspect", "store:docker/minimal:2"));
    assertEquals(dockerDigest.toString(), dockerInStore.get("digest").asText());
    assertEquals(MediaTypes.DOCKER_MANIFEST, dockerInStore.get("mediaType").asText());
  }

  @Test
  void servesAnImageNamedInTheStoreUnderItsName() throws Exception {
    // What a build or a pull leaves in the store (a ref) is served without being pushed.
    LadingJar lading = new LadingJar(storeDir);
    lading.ok("copy", "docker://" + host + "/library/minimal:1", "store:localhost/built:7");
    JsonNode served = json(skopeo("inspect", "--tls-verify=false", "docker://" + host + "/localhost/built:7"));
    JsonNode original = json(skopeo("inspect", "--tls-verify=false", "docker://" + host + "/library/minimal:1"));
    assertEquals(original.get("Digest"), served.get("Digest"));
    assertTrue(json(new Curl(tmp).call("GET", url("/v2/localhost/built/tags/list"), null).text())
        .get("tags").toString().contains("\"7\""));
  }

  @Test
  void uploadsInChunksMountsAndResumesDownloads() throws Exception {
    byte[] content = new byte[300_000];
    new Random(7).nextBytes(content);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(content), content.length);
    RegistryClient client = RegistryClient.builder().chunkedUploads(1, 64 * 1024).build();
    assertTrue(client.pushBlob(host, "chunks/a", blob, BlobSource.of(content)), "uploaded in PATCH chunks");
    assertTrue(Files.readString(mirrorLog).contains("PATCH /v2/chunks/a/blobs/uploads/"));
    assertTrue(client.blobExists(host, "chunks/a", blob.digest()));

    // A download that resumes asks for a Range and gets the rest.
    Path partial = tmp.resolve("partial");
    Files.write(partial, Arrays.copyOf(content, 1000));
    try (BlobSink sink = BlobSink.appendingTo(partial)) {
      client.fetchBlob(host, "chunks/a", blob, sink);
    }
    assertArrayEquals(content, Files.readAllBytes(partial));

    assertTrue(client.mountBlob(host, "chunks/b", blob.digest(), "chunks/a"), "mounted: 201");
    Digest absent = Digest.of("never pushed".getBytes(StandardCharsets.UTF_8));
    assertFalse(client.mountBlob(host, "chunks/b", absent, "chunks/a"), "not there: an upload instead");

    // The session protocol by hand: status, out-of-order chunk, gc in the middle, finish.
    Curl curl = new Curl(tmp);
    byte[] second = "second part".getBytes(StandardCharsets.UTF_8);
    byte[] first = "first part, ".getBytes(StandardCharsets.UTF_8);
    byte[] whole = (new String(first, StandardCharsets.UTF_8) + new String(second, StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8);
    Curl.Response started = curl.call("POST", url("/v2/chunks/c/blobs/uploads/"), null);
    assertEquals(202, started.status());
    String location = started.header("Location");
    assertEquals("0-0", started.header("Range"));
    assertNotNull(started.header("Docker-Upload-UUID"));
    Curl.Response chunk = curl.call("PATCH", url(location), first,
        "Content-Range: 0-" + (first.length - 1));
    assertEquals(202, chunk.status());
    assertEquals("0-" + (first.length - 1), chunk.header("Range"));
    assertEquals(416, curl.call("PATCH", url(location), second, "Content-Range: 100-110").status());
    new LadingJar(storeDir).ok("store", "gc", "--grace", "0s"); // an upload in progress survives gc
    Curl.Response status = curl.call("GET", url(location), null);
    assertEquals(204, status.status());
    assertEquals("0-" + (first.length - 1), status.header("Range"));
    assertEquals(202, curl.call("PATCH", url(location), second,
        "Content-Range: " + first.length + "-" + (whole.length - 1)).status());
    Curl.Response done = curl.call("PUT", url(location + "?digest=" + Digest.of(whole)), null);
    assertEquals(201, done.status());
    assertEquals(Digest.of(whole).toString(), done.header("Docker-Content-Digest"));
    assertArrayEquals(whole, curl.call("GET", url(done.header("Location")), null).body());
    assertEquals(404, curl.call("GET", url(location), null).status(), "the session is over");

    // A mount this registry cannot do (sha512 content is never here): a plain session, as the spec's
    // SHOULD for a failed mount says.
    Curl.Response unmountable = curl.call("POST", url("/v2/chunks/d/blobs/uploads/?mount=sha512:"
        + "b".repeat(128) + "&from=chunks/a"), null);
    assertEquals(202, unmountable.status(), unmountable.text());
    assertNotNull(unmountable.header("Location"));
    assertEquals(204, curl.call("DELETE", url(unmountable.header("Location")), null).status());
  }

  /** A manifest a tag named before it moved on stays GET-able by digest until deleted by digest. */
  @Test
  void aManifestPushedByTagStaysByDigestAfterTheTagMoves() throws Exception {
    Curl curl = new Curl(tmp);
    Curl.Response base = curl.call("GET", url("/v2/library/minimal/manifests/1"), null);
    String type = base.header("Content-Type");
    byte[] first = base.body();
    com.fasterxml.jackson.databind.node.ObjectNode changed =
        (com.fasterxml.jackson.databind.node.ObjectNode) json(new String(first, StandardCharsets.UTF_8));
    changed.putObject("annotations").put("org.example.build", "2");
    byte[] second = changed.toString().getBytes(StandardCharsets.UTF_8);
    Curl.Response one = curl.call("PUT", url("/v2/moving/app/manifests/v"), first, "Content-Type: " + type);
    assertEquals(201, one.status(), one.text());
    Curl.Response two = curl.call("PUT", url("/v2/moving/app/manifests/v"), second, "Content-Type: " + type);
    assertEquals(201, two.status(), two.text());
    String old = one.header("Docker-Content-Digest");
    assertEquals(two.header("Docker-Content-Digest"),
        curl.call("HEAD", url("/v2/moving/app/manifests/v"), null).header("Docker-Content-Digest"));
    assertArrayEquals(first, curl.call("GET", url("/v2/moving/app/manifests/" + old), null).body());
    assertEquals("[\"v\"]", json(curl.call("GET", url("/v2/moving/app/tags/list"), null).text())
        .get("tags").toString(), "the hidden revision tags are not listed");
    new LadingJar(storeDir).ok("store", "gc", "--grace", "0s");
    assertEquals(200, curl.call("HEAD", url("/v2/moving/app/manifests/" + old), null).status(),
        "kept through gc");
    assertEquals(202, curl.call("DELETE", url("/v2/moving/app/manifests/" + old), null).status());
    assertEquals(404, curl.call("GET", url("/v2/moving/app/manifests/" + old), null).status());
    assertEquals(200, curl.call("GET", url("/v2/moving/app/manifests/v"), null).status());
  }

  @Test
  void listsTagsAndRepositoriesPageByPage() throws Exception {
    Curl curl = new Curl(tmp);
    Curl.Response manifest = curl.call("GET", url("/v2/library/minimal/manifests/1"), null);
    String type = manifest.header("Content-Type");
    for (String tag : List.of("t3", "t1", "t5", "t2", "t4")) {
      assertEquals(201, curl.call("PUT", url("/v2/paged/minimal/manifests/" + tag), manifest.body(),
          "Content-Type: " + type).status());
    }
    Curl.Response page1 = curl.call("GET", url("/v2/paged/minimal/tags/list?n=2"), null);
    assertEquals("[\"t1\",\"t2\"]", json(page1.text()).get("tags").toString());
    assertEquals("</v2/paged/minimal/tags/list?n=2&last=t2>; rel=\"next\"", page1.header("Link"));
    Curl.Response page2 = curl.call("GET", url("/v2/paged/minimal/tags/list?n=2&last=t2"), null);
    assertEquals("[\"t3\",\"t4\"]", json(page2.text()).get("tags").toString());
    Curl.Response page3 = curl.call("GET", url("/v2/paged/minimal/tags/list?n=2&last=t4"), null);
    assertEquals("[\"t5\"]", json(page3.text()).get("tags").toString());
    assertEquals(null, page3.header("Link"));

    JsonNode catalog = json(curl.call("GET", url("/v2/_catalog"), null).text()).get("repositories");
    List<String> names = new ArrayList<>();
    catalog.forEach(n -> names.add(n.asText()));
    assertTrue(names.contains("paged/minimal") && names.contains("library/minimal"), names.toString());
    assertEquals(new ArrayList<>(new TreeSet<>(names)), names, "lexical order");
    Curl.Response one = curl.call("GET", url("/v2/_catalog?n=1"), null);
    assertEquals(1, json(one.text()).get("repositories").size());
    assertTrue(one.header("Link").contains("last=" + names.get(0)), one.header("Link"));

    assertEquals(202, curl.call("DELETE", url("/v2/paged/minimal/manifests/t5"), null).status());
    assertEquals(404, curl.call("GET", url("/v2/paged/minimal/manifests/t5"), null).status());
    String digest = manifest.header("Docker-Content-Digest");
    assertEquals(200, curl.call("HEAD", url("/v2/paged/minimal/manifests/" + digest), null).status());
    assertEquals(202, curl.call("DELETE", url("/v2/paged/minimal/manifests/" + digest), null).status());
    Curl.Response gone = curl.call("GET", url("/v2/paged/minimal/tags/list"), null);
    assertEquals(404, gone.status());
    assertEquals("NAME_UNKNOWN", json(gone.text()).get("errors").get(0).get("code").asText());
    // "Once deleted, a GET to /v2/<name>/manifests/<digest> ... will return a 404" (distribution-spec).
    for (String method : List.of("GET", "HEAD")) {
      assertEquals(404, curl.call(method, url("/v2/paged/minimal/manifests/" + digest), null).status(), method);
    }
    assertEquals(404, curl.call("DELETE", url("/v2/paged/minimal/manifests/" + digest), null).status());
    assertEquals(200, curl.call("GET", url("/v2/library/minimal/manifests/" + digest), null).status(),
        "other repositories keep their tags");
    assertEquals(404, curl.call("GET", url("/v2/never/pushed/manifests/" + digest), null).status(),
        "a repository holds only what was pushed to it");
  }

  @Test
  void indexesReferrersAndKeepsThemThroughGc() throws Exception {
    Curl curl = new Curl(tmp);
    String subject = curl.call("HEAD", url("/v2/library/minimal/manifests/1"), null)
        .header("Docker-Content-Digest");
    byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
    assertEquals(201, curl.call("POST", url("/v2/library/minimal/blobs/uploads/?digest="
        + Digest.of(empty)), empty).status());
    String sbom = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
        + "\"artifactType\":\"application/vnd.example.sbom\",\"config\":{\"mediaType\":"
        + "\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + Digest.of(empty) + "\",\"size\":2},"
        + "\"layers\":[],\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\""
        + subject + "\",\"size\":1},\"annotations\":{\"made.by\":\"MirrorIT\"}}";
    byte[] bytes = sbom.getBytes(StandardCharsets.UTF_8);
    Digest sbomDigest = Digest.of(bytes);
    Curl.Response put = curl.call("PUT", url("/v2/library/minimal/manifests/" + sbomDigest), bytes,
        "Content-Type: " + MediaTypes.OCI_MANIFEST);
    assertEquals(201, put.status(), put.text());
    assertEquals(subject, put.header("OCI-Subject"));

    new LadingJar(storeDir).ok("store", "gc", "--grace", "0s"); // pushed by digest alone: kept
    Curl.Response referrers = curl.call("GET", url("/v2/library/minimal/referrers/" + subject), null);
    assertEquals(200, referrers.status());
    assertEquals(MediaTypes.OCI_INDEX, referrers.header("Content-Type"));
    JsonNode found = json(referrers.text()).get("manifests");
    assertEquals(1, found.size(), referrers.text());
    assertEquals(sbomDigest.toString(), found.get(0).get("digest").asText());
    assertEquals("application/vnd.example.sbom", found.get(0).get("artifactType").asText());
    assertEquals("MirrorIT", found.get(0).get("annotations").get("made.by").asText());

    Curl.Response filtered = curl.call("GET", url("/v2/library/minimal/referrers/" + subject
        + "?artifactType=application/other"), null);
    assertEquals("artifactType", filtered.header("OCI-Filters-Applied"));
    assertEquals(0, json(filtered.text()).get("manifests").size());
    assertFalse(curl.call("GET", url("/v2/library/minimal/tags/list"), null).text().contains("sha256"),
        "the tag that keeps it alive is not listed");
  }

  @Test
  void refusesMalformedRequestsWithTheirCodesAndChangesNothing() throws Exception {
    Curl curl = new Curl(tmp);
    String zero = "sha256:" + "0".repeat(64);
    byte[] a = "a".getBytes(StandardCharsets.UTF_8);
    String session = curl.call("POST", url("/v2/bad/blobs/uploads/"), null).header("Location");
    String manifestMissingLayer = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + zero
        + "\",\"size\":2},\"layers\":[]}";
    byte[] huge = new byte[5 * 1024 * 1024];
    Arrays.fill(huge, (byte) ' ');
    Object[][] table = {
        // method, path, body, expected status, expected code, headers...
        {"GET", "/v2/a/../b/tags/list", null, 400, "NAME_INVALID"},
        {"GET", "/v2/UPPER/case/tags/list", null, 400, "NAME_INVALID"},
        {"PUT", "/v2/../../etc/manifests/x", a, 400, "NAME_INVALID"},
        {"GET", "/v2/bad/blobs/sha256:xyz", null, 400, "DIGEST_INVALID"},
        {"GET", "/v2/bad/blobs/md5:abc", null, 400, "DIGEST_INVALID"},
        {"GET", "/v2/bad/blobs/" + zero, null, 404, "BLOB_UNKNOWN"},
        {"DELETE", "/v2/bad/blobs/" + zero, null, 405, "UNSUPPORTED"},
        {"DELETE", "/v2/bad/blobs/sha256:xyz", null, 405, "UNSUPPORTED"},
        // sha512 is the image spec's optional algorithm: such content cannot be here (404), and a
        // push of it is refused (400, as the spec's SHOULD for an unsupported algorithm).
        {"GET", "/v2/bad/blobs/sha512:" + "a".repeat(128), null, 404, "BLOB_UNKNOWN"},
        {"GET", "/v2/bad/manifests/sha512:" + "a".repeat(128), null, 404, "MANIFEST_UNKNOWN"},
        {"POST", "/v2/bad/blobs/uploads/?digest=sha512:" + "a".repeat(128), a, 400, "DIGEST_INVALID"},
        {"GET", "/v2/bad/manifests/nope", null, 404, "MANIFEST_UNKNOWN"},
        {"GET", "/v2/bad/manifests/" + zero, null, 404, "MANIFEST_UNKNOWN"},
        {"PATCH", "/v2/bad/blobs/uploads/upload-999", a, 404, "BLOB_UPLOAD_UNKNOWN"},
        {"PUT", "/v2/bad/blobs/uploads/..%2F..%2Fblobs?digest=" + Digest.of(a), a, 404, "BLOB_UPLOAD_UNKNOWN"},
        {"POST", "/v2/bad/blobs/uploads/?digest=" + Digest.of("b".getBytes(StandardCharsets.UTF_8)), a,
            400, "DIGEST_INVALID"},
        {"PATCH", session, a, 416, "BLOB_UPLOAD_INVALID", "Content-Range: 5-5"},
        {"PATCH", session, a, 416, "BLOB_UPLOAD_INVALID", "Content-Range: garbage"},
        {"PUT", session + "?digest=" + Digest.of("b".getBytes(StandardCharsets.UTF_8)), a, 400, "DIGEST_INVALID"},
        {"GET", session, null, 404, "BLOB_UPLOAD_UNKNOWN"},
        {"PUT", "/v2/bad/manifests/1", "{not json".getBytes(StandardCharsets.UTF_8), 400, "MANIFEST_INVALID",
            "Content-Type: " + MediaTypes.OCI_MANIFEST},
        {"PUT", "/v2/bad/manifests/1", manifestMissingLayer.getBytes(StandardCharsets.UTF_8), 400,
            "MANIFEST_BLOB_UNKNOWN", "Content-Type: " + MediaTypes.OCI_MANIFEST},
        {"PUT", "/v2/bad/manifests/" + zero, manifestMissingLayer.getBytes(StandardCharsets.UTF_8), 400,
            "DIGEST_INVALID", "Content-Type: " + MediaTypes.OCI_MANIFEST},
        {"PUT", "/v2/bad/manifests/-bad-tag", manifestMissingLayer.getBytes(StandardCharsets.UTF_8), 400,
            "MANIFEST_INVALID", "Content-Type: " + MediaTypes.OCI_MANIFEST},
        {"PUT", "/v2/bad/manifests/1", huge, 413, "MANIFEST_INVALID", "Content-Type: " + MediaTypes.OCI_MANIFEST},
        {"GET", "/v2/library/minimal/tags/list?n=many", null, 400, "UNSUPPORTED"},
        {"GET", "/v2/bad/referrers/not-a-digest", null, 400, "DIGEST_INVALID"},
        {"GET", "/v2/no/such/endpoint", null, 404, "NAME_UNKNOWN"},
    };
    Snapshot before = Snapshot.of(Store.open(storeDir));
    for (Object[] row : table) {
      String[] headers = Arrays.copyOfRange(row, 5, row.length, String[].class);
      Curl.Response r = curl.call((String) row[0], url((String) row[1]), (byte[]) row[2], headers);
      String what = row[0] + " " + row[1] + " " + String.join(" ", headers) + " -> " + r.status() + " " + r.text();
      assertEquals((int) (Integer) row[3], r.status(), what);
      assertEquals(row[4], json(r.text()).get("errors").get(0).get("code").asText(), what);
      assertTrue(json(r.text()).get("errors").get(0).has("message"), what);
    }
    Curl.Response range = curl.call("GET", url("/v2/library/minimal/manifests/1"), null);
    String blob = "/v2/library/minimal/blobs/" + range.header("Docker-Content-Digest");
    Curl.Response outside = curl.call("GET", url(blob), null, "Range: bytes=999999-");
    assertEquals(416, outside.status());
    assertEquals("bytes */" + range.body().length, outside.header("Content-Range"));
    Curl.Response bigHeader = curl.call("PUT", url("/v2/library/minimal/manifests/big"),
        "{}".getBytes(StandardCharsets.UTF_8), "X-Big: " + "x".repeat(100_000));
    assertEquals(431, bigHeader.status());
    assertEquals("UNSUPPORTED", json(bigHeader.text()).get("errors").get(0).get("code").asText());
    // Past what Undertow reads at all: a bare 400 and the connection closed, still nothing stored.
    // Sent raw: curl itself refuses to send a megabyte of headers.
    assertEquals("HTTP/1.1 400 Bad Request", rawStatusLine("GET /v2/ HTTP/1.1\r\nHost: " + host
        + "\r\nX-Big: " + "x".repeat(1_100_000) + "\r\n\r\n"));
    assertEquals(before, Snapshot.of(Store.open(storeDir)), "refused requests leave the store as it was");
    assertEquals(200, curl.call("GET", url("/v2/"), null).status(), "and the mirror serves on");
    assertFalse(Pattern.compile("^\\S+ \\S+ 5\\d\\d ", Pattern.MULTILINE)
        .matcher(Files.readString(mirrorLog)).find(), "no request was answered with a 5xx");
  }

  @Test
  void finishesAnUploadInFlightWhenStoppedWithSigterm() throws Exception {
    Path store = tmp.resolve("own-store");
    Path log = tmp.resolve("own.log");
    Process own = new LadingJar(store).start(log, "mirror", "--listen", "127.0.0.1:0");
    String address = awaitServing(own, log);
    byte[] content = new byte[3 * 1024 * 1024];
    new Random(3).nextBytes(content);
    Path data = tmp.resolve("slow.bin");
    Files.write(data, content);
    Digest digest = Digest.of(content);
    // 1 MiB/s: the upload takes about three seconds, and the mirror is stopped one second in.
    Process upload = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
        "--limit-rate", "1M", "-X", "POST", "-H", "Content-Type: application/octet-stream",
        "--data-binary", "@" + data, "http://" + address + "/v2/slow/blobs/uploads/?digest=" + digest)
        .redirectErrorStream(true).start();
    Thread.sleep(1000);
    own.destroy();
    String status = new String(upload.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(upload.waitFor(60, TimeUnit.SECONDS));
    assertTrue(own.waitFor(60, TimeUnit.SECONDS), "the mirror exits once the upload is done");
    assertEquals("201", status, Files.readString(log));
    assertTrue(Store.open(store).has(digest), "the blob was stored whole");
    assertTrue(Files.readString(log).contains("stopping"), Files.readString(log));
  }

  /** Sends {@code request} as is over a socket and returns the first line of the answer. */
  private static String rawStatusLine(String request) throws IOException {
    String[] hostPort = host.split(":");
    try (java.net.Socket socket = new java.net.Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
      socket.setSoTimeout(30_000);
      try {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      } catch (IOException closedEarly) {
        // the server may answer and close before reading everything: the answer is still there
      }
      String answer = new String(socket.getInputStream().readNBytes(200), StandardCharsets.ISO_8859_1);
      return answer.lines().findFirst().orElse("");
    }
  }

  @Test
  void letsAnUploadSessionStartedBeforeSigtermFinishAndRefusesNewWork() throws Exception {
    Path store = tmp.resolve("drain-store");
    Path log = tmp.resolve("drain.log");
    Process own = new LadingJar(store).start(log, "mirror", "--listen", "127.0.0.1:0");
    String address = awaitServing(own, log);
    Curl curl = new Curl(tmp);
    String session = curl.call("POST", "http://" + address + "/v2/drain/blobs/uploads/", null)
        .header("Location");
    byte[] first = "the first chunk, ".getBytes(StandardCharsets.UTF_8);
    byte[] second = "and the second, sent after SIGTERM".getBytes(StandardCharsets.UTF_8);
    assertEquals(202, curl.call("PATCH", "http://" + address + session, first,
        "Content-Range: 0-" + (first.length - 1)).status());
    own.destroy(); // SIGTERM
    for (int i = 0; i < 100 && !Files.readString(log).contains("stopping"); i++) {
      Thread.sleep(100);
    }
    Curl.Response refused = curl.call("GET", "http://" + address + "/v2/", null);
    assertEquals(503, refused.status(), "new work is refused while draining");
    assertEquals("UNAVAILABLE", json(refused.text()).get("errors").get(0).get("code").asText());
    assertTrue(own.isAlive(), "the mirror waits for the open upload");
    assertEquals(202, curl.call("PATCH", "http://" + address + session, second,
        "Content-Range: " + first.length + "-" + (first.length + second.length - 1)).status());
    byte[] whole = new byte[first.length + second.length];
    System.arraycopy(first, 0, whole, 0, first.length);
    System.arraycopy(second, 0, whole, first.length, second.length);
    Digest digest = Digest.of(whole);
    assertEquals(201, curl.call("PUT", "http://" + address + session + "?digest=" + digest, null)
        .status());
    assertTrue(own.waitFor(30, TimeUnit.SECONDS), "the mirror exits once the upload is committed");
    assertTrue(Store.open(store).has(digest), "the blob was stored whole");
  }

  @Test
  void aKilledMirrorLeavesNoHalfBlobAndGcReclaimsItsSessions() throws Exception {
    Path store = tmp.resolve("killed-store");
    Path log = tmp.resolve("killed.log");
    Process own = new LadingJar(store).start(log, "mirror", "--listen", "127.0.0.1:0");
    String address = awaitServing(own, log);
    Curl curl = new Curl(tmp);
    String session = curl.call("POST", "http://" + address + "/v2/k/blobs/uploads/", null).header("Location");
    byte[] half = "the first half".getBytes(StandardCharsets.UTF_8);
    assertEquals(202, curl.call("PATCH", "http://" + address + session, half).status());
    byte[] content = new byte[3 * 1024 * 1024];
    new Random(5).nextBytes(content);
    Path data = tmp.resolve("killed.bin");
    Files.write(data, content);
    Digest digest = Digest.of(content);
    Process upload = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "--limit-rate", "1M",
        "-X", "POST", "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + data,
        "http://" + address + "/v2/k/blobs/uploads/?digest=" + digest).redirectErrorStream(true).start();
    Thread.sleep(1000);
    own.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
    assertTrue(own.waitFor(30, TimeUnit.SECONDS));
    upload.waitFor(30, TimeUnit.SECONDS);

    Store opened = Store.open(store);
    assertFalse(opened.has(digest), "no half blob is visible");
    assertFalse(opened.has(Digest.of(half)));
    Path temps = store.resolve(".lading/tmp");
    List<Path> left;
    try (Stream<Path> files = Files.list(temps)) {
      left = files.toList();
    }
    assertEquals(2, left.size(), "the session and the interrupted upload's temp file: " + left);
    for (Path p : left) { // as if the kill was two hours ago
      Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(
          System.currentTimeMillis() - TimeUnit.HOURS.toMillis(2)));
    }
    String gc = new LadingJar(store).ok("store", "gc");
    assertTrue(gc.contains("removed 2 stale temp files and upload sessions"), gc);
    try (Stream<Path> files = Files.list(temps)) {
      assertEquals(List.of(), files.toList());
    }
  }

  /** The visible content of a store: its blobs, refs and repository tags. */
  private record Snapshot(List<String> blobs, List<String> refs, List<String> tags) {
    static Snapshot of(Store store) throws IOException {
      List<String> blobs;
      try (Stream<Path> files = Files.list(store.root().resolve("blobs/sha256"))) {
        blobs = files.map(p -> p.getFileName().toString()).sorted().toList();
      }
      List<String> refs = store.refs().stream().map(r -> r.name() + "=" + r.descriptor().digest()).toList();
      List<String> tags = new ArrayList<>();
      for (String repository : store.repositories()) {
        for (String tag : store.tags(repository)) {
          tags.add(repository + ":" + tag);
        }
      }
      return new Snapshot(blobs, refs, tags);
    }
  }
}
