package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.model.MediaTypes;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import dev.lading.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RegistryClient} against a real distribution registry, cross-checked with skopeo. */
class RegistryClientTest {
  private static final RetryPolicy FAST_RETRIES =
      new RetryPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5));

  private static LocalRegistry registry;
  private static String host;

  @TempDir
  Path temp;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = LocalRegistry.start();
    host = registry.hostPort();
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  private static RegistryClient client() {
    return RegistryClient.builder().retryPolicy(FAST_RETRIES).build();
  }

  @Test
  void pushesAnImageAndPullsItBackByTagAndDigest() throws Exception {
    RegistryClient client = client();
    TestImage image = TestImage.create(1, 1000, 5000);
    Digest pushed = image.push(client, host, "roundtrip/app", "v1");
    assertEquals(image.manifestDigest(), pushed);

    ManifestResponse byTag = client.getManifest(host, "roundtrip/app", "v1");
    assertEquals(pushed, byTag.digest());
    assertEquals(MediaTypes.OCI_MANIFEST, byTag.mediaType());
    assertArrayEquals(image.manifest(), byTag.bytes());

    ManifestResponse byDigest = client.getManifest(host, "roundtrip/app", pushed.toString());
    assertEquals(byTag, byDigest);
    assertEquals(Optional.of(byTag.descriptor()), client.headManifest(host, "roundtrip/app", "v1"));
    assertEquals(Optional.empty(), client.headManifest(host, "roundtrip/app", "v2"));

    for (int i = 0; i < 2; i++) {
      Descriptor layer = image.layerDescriptor(i);
      assertEquals(Optional.of(layer.size()), client.blobSize(host, "roundtrip/app", layer.digest()));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      client.fetchBlob(host, "roundtrip/app", layer, BlobSink.of(out));
      assertArrayEquals(image.layers().get(i), out.toByteArray());
    }
    assertFalse(client.blobExists(host, "roundtrip/app", Digest.ofUtf8("never pushed")));
  }

  @Test
  void parallelFirstRequestsProbeTheRegistryOnceAndViewsShareWhatItLearnt() throws Exception {
    try (LocalRegistry logged = LocalRegistry.startWithAccessLog()) {
      String agent = "probe-test/" + System.nanoTime();
      RegistryClient client = RegistryClient.builder().userAgent(agent).build();
      var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      try {
        List<java.util.concurrent.Future<Boolean>> checks = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
          Digest d = Digest.ofUtf8("blob " + i);
          checks.add(pool.submit(() -> client.blobExists(logged.hostPort(), "probe/app", d)));
        }
        for (var c : checks) {
          assertFalse(c.get());
        }
      } finally {
        pool.shutdownNow();
      }
      // A view with another listener (what the Maven goals use) starts from what the client knows.
      Map<Digest, Long> progress = new ConcurrentHashMap<>();
      TestImage image = TestImage.create(3, 1000);
      assertTrue(client.withTransferListener((blob, soFar, total) -> progress.put(blob, soFar))
          .pushBlob(logged.hostPort(), "probe/app", image.layerDescriptor(0), BlobSource.of(image.layers().get(0))));
      assertEquals(image.layerDescriptor(0).size(), progress.get(image.layerDescriptor(0).digest()));

      List<String> ours = logged.log().lines().filter(l -> l.contains(agent)).toList();
      assertEquals(1, ours.stream().filter(l -> l.contains("\"GET /v2/ HTTP/1.1\"")).count(), ours.toString());
      // The 8 checks and the push's own check; no second probe for the view.
      assertEquals(9, ours.stream().filter(l -> l.contains("\"HEAD /v2/probe/app/blobs/")).count(),
          ours.toString());
    }
  }

  @Test
  void parallelRequestsToASilentHostShareOneFailedProbe() throws Exception {
    // A host that accepts connections and never answers: each probe costs a read timeout. The
    // threads waiting for the first probe take its failure instead of probing again one by one.
    java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    List<java.net.Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept());
            connections.incrementAndGet();
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      RegistryClient client = RegistryClient.builder().retryPolicy(RetryPolicy.none())
          .timeouts(Duration.ofSeconds(2), Duration.ofMillis(700)).build();
      String silentHost = "127.0.0.1:" + silent.getLocalPort();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<Boolean>> checks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          Digest d = Digest.ofUtf8("silent " + i);
          checks.add(pool.submit(() -> client.blobExists(silentHost, "silent/app", d)));
        }
        for (Future<Boolean> c : checks) {
          java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
              c::get);
          assertTrue(e.getCause() instanceof java.io.IOException, String.valueOf(e.getCause()));
        }
      } finally {
        pool.shutdownNow();
      }
      // One probe: plain HTTP first (loopback), then HTTPS; not one such pair per thread.
      assertTrue(connections.get() <= 2, connections.get() + " connections");
    } finally {
      for (java.net.Socket s : held) {
        s.close();
      }
    }
  }

  /** An IPv4 address of this machine that is not loopback (a registry there is treated as remote). */
  private static String nonLoopbackAddress() throws java.net.SocketException {
    for (java.net.NetworkInterface ni : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      if (ni.isUp() && !ni.isLoopback()) {
        for (java.net.InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
          if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    }
    throw new AssertionError("this test needs an IPv4 address other than loopback (none is up)");
  }

  @Test
  void aTlsRegistryIsVerifiedAgainstTheJvmTrustStoreOrAllowedExplicitly() throws Exception {
    // Not on loopback: there, as with Docker, plain HTTP and unverified TLS are allowed by default.
    String address = nonLoopbackAddress();
    Path openssl = RequiredTool.require("openssl", "openssl");
    Path cert = temp.resolve("cert.pem");
    Path key = temp.resolve("key.pem");
    Processes.check(List.of(openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=" + address, "-addext", "subjectAltName=IP:" + address,
        "-keyout", key.toString(), "-out", cert.toString()), 60);
    try (LocalRegistry tls = LocalRegistry.startOn(address,
        List.of("  tls:", "    certificate: " + cert, "    key: " + key))) {
      TestImage image = TestImage.create(11, 3000);
      java.io.IOException refused = assertThrows(java.io.IOException.class,
          () -> image.push(client(), tls.hostPort(), "tls/app", "v1"));
      // One line that names the host, the certificate problem and the setting that allows it.
      assertTrue(refused.getMessage().contains("TLS failed with " + tls.hostPort())
          && refused.getMessage().contains("allowInsecureRegistries"), refused.getMessage());

      // A certificate the JVM trusts (a corporate CA in -Djavax.net.ssl.trustStore) is verified, not skipped.
      Path trustStore = temp.resolve("trust.p12");
      Processes.check(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-importcert",
          "-noprompt", "-alias", "registry", "-file", cert.toString(), "-keystore", trustStore.toString(),
          "-storetype", "PKCS12", "-storepass", "changeit"), 60);
      System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
      System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
      try {
        Digest trusted = image.push(client(), tls.hostPort(), "tls/trusted", "v1");
        assertEquals(trusted, client().getManifest(tls.hostPort(), "tls/trusted", "v1").digest());
      } finally {
        System.clearProperty("javax.net.ssl.trustStore");
        System.clearProperty("javax.net.ssl.trustStorePassword");
      }

      RegistryClient allowed = RegistryClient.builder().retryPolicy(FAST_RETRIES).allowInsecure(tls.hostPort())
          .build();
      Digest pushed = image.push(allowed, tls.hostPort(), "tls/app", "v1");
      assertEquals(pushed, allowed.getManifest(tls.hostPort(), "tls/app", "v1").digest());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      allowed.fetchBlob(tls.hostPort(), "tls/app", image.layerDescriptor(0), BlobSink.of(out));
      assertArrayEquals(image.layers().get(0), out.toByteArray());
    }
  }

  @Test
  void skipsBlobsTheRegistryHasAndReportsProgress() throws Exception {
    Map<Digest, Long> lastProgress = new ConcurrentHashMap<>();
    RegistryClient client = RegistryClient.builder().retryPolicy(FAST_RETRIES)
        .transferListener((blob, soFar, total) -> {
          assertTrue(soFar <= total);
          lastProgress.put(blob, soFar);
        })
        .build();
    TestImage image = TestImage.create(2, 20_000);
    Descriptor layer = image.layerDescriptor(0);
    assertTrue(client.pushBlob(host, "skip/app", layer, BlobSource.of(image.layers().get(0))));
    assertEquals(layer.size(), lastProgress.get(layer.digest()));
    assertFalse(client.pushBlob(host, "skip/app", layer, BlobSource.of(image.layers().get(0))),
        "a blob the registry has is not uploaded again");
  }

  @Test
  void uploadsLargeBlobsInChunks() throws Exception {
    RegistryClient client = RegistryClient.builder().retryPolicy(FAST_RETRIES)
        .chunkedUploads(100_000, 64 * 1024).build();
    TestImage image = TestImage.create(3, 300_000); // random bytes do not compress: ~300 KB, 5 chunks
    Path file = temp.resolve("layer.tar.gz");
    Files.write(file, image.layers().get(0));
    Descriptor layer = image.layerDescriptor(0);
    assertTrue(client.pushBlob(host, "chunked/app", layer, BlobSource.of(file)));

    Path copy = temp.resolve("pulled");
    try (BlobSink sink = BlobSink.appendingTo(copy)) {
      client.fetchBlob(host, "chunked/app", layer, sink);
    }
    assertArrayEquals(image.layers().get(0), Files.readAllBytes(copy));
  }

  @Test
  void mountsABlobFromAnotherRepository() throws Exception {
    RegistryClient client = client();
    TestImage image = TestImage.create(4, 3000);
    image.push(client, host, "mount/source", "v1");
    Digest layer = image.layerDescriptor(0).digest();

    assertFalse(client.blobExists(host, "mount/target", layer));
    assertTrue(client.mountBlob(host, "mount/target", layer, "mount/source"), "201: mounted");
    assertTrue(client.blobExists(host, "mount/target", layer));
    assertFalse(client.mountBlob(host, "mount/other", Digest.ofUtf8("nowhere"), "mount/source"),
        "202: not mounted (the session is cancelled)");
  }

  @Test
  void listsTagsAcrossPages() throws Exception {
    RegistryClient client = client();
    TestImage image = TestImage.create(5, 100);
    List<String> tags = List.of("a", "b", "c", "d", "e");
    for (String tag : tags) {
      image.push(client, host, "tags/app", tag);
    }
    // The API promises no order for an unpaginated listing.
    assertEquals(new java.util.TreeSet<>(tags), new java.util.TreeSet<>(client.listTags(host, "tags/app")));
    // distribution 2.8 does not paginate tag lists (v3 does), so the proxy serves a first page whose
    // relative Link leads to the real registry's list.
    try (FaultyProxy proxy = FaultyProxy.start(registry.port())) {
      String page = "{\"name\":\"tags/app\",\"tags\":[\"early1\",\"early2\"]}";
      proxy.onNext(line -> line.startsWith("GET /v2/tags/app/tags/list?n=2 "), new FaultyProxy.Answer(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLink: </v2/tags/app/tags/list?last=early2&n=2>;"
              + " rel=\"next\"\r\nContent-Length: " + page.length() + "\r\nConnection: close\r\n\r\n" + page));
      List<String> listed = client.listTags(proxy.hostPort(), "tags/app", 2);
      assertEquals(List.of("early1", "early2"), listed.subList(0, 2));
      assertEquals(new java.util.TreeSet<>(tags), new java.util.TreeSet<>(listed.subList(2, listed.size())));
      List<String> pages = proxy.requestHeads().stream()
          .filter(h -> h.startsWith("GET /v2/tags/app/tags/list")).map(h -> h.substring(0, h.indexOf(' ', 4)))
          .toList();
      assertEquals(List.of("GET /v2/tags/app/tags/list?n=2", "GET /v2/tags/app/tags/list?last=early2&n=2"),
          pages, "the next page is the one the Link header names");
    }
  }

  @Test
  void deletesAManifest() throws Exception {
    RegistryClient client = client();
    Digest digest = TestImage.create(6, 100).push(client, host, "delete/app", "v1");
    client.deleteManifest(host, "delete/app", digest);
    RegistryException e = assertThrows(RegistryException.class,
        () -> client.getManifest(host, "delete/app", digest.toString()));
    assertEquals(404, e.status());
  }

  @Test
  void explainsUnknownRepositoriesAndTags() throws Exception {
    RegistryClient client = client();
    RegistryException unknownRepo = assertThrows(RegistryException.class,
        () -> client.getManifest(host, "no/such/repo", "latest"));
    assertEquals(404, unknownRepo.status());
    assertTrue(unknownRepo.hasCode("MANIFEST_UNKNOWN") || unknownRepo.hasCode("NAME_UNKNOWN"),
        unknownRepo.getMessage());
    assertTrue(unknownRepo.getMessage().contains("GET manifest " + host + "/no/such/repo:latest"),
        unknownRepo.getMessage());
    assertTrue(unknownRepo.getMessage().contains("check the image name and tag"), unknownRepo.getMessage());

    TestImage.create(7, 100).push(client, host, "known/app", "v1");
    RegistryException unknownTag = assertThrows(RegistryException.class,
        () -> client.getManifest(host, "known/app", "v2"));
    assertTrue(unknownTag.hasCode("MANIFEST_UNKNOWN"), unknownTag.getMessage());

    RegistryException tags = assertThrows(RegistryException.class, () -> client.listTags(host, "no/such/repo"));
    assertTrue(tags.hasCode("NAME_UNKNOWN"), tags.getMessage());

    assertThrows(IllegalArgumentException.class, () -> client.getManifest(host, "Upper/Case", "v1"));
  }

  @Test
  void fetchesBlobsInParallelWithOneClient() throws Exception {
    RegistryClient client = client();
    TestImage image = TestImage.create(8, 40_000, 50_000, 60_000, 70_000);
    image.push(client, host, "parallel/app", "v1");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Descriptor layer = image.layerDescriptor(i);
        results.add(pool.submit(() -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          client.fetchBlob(host, "parallel/app", layer, BlobSink.of(out));
          return out.toByteArray();
        }));
      }
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(image.layers().get(i), results.get(i).get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void resumesADownloadCutMidTransferWithRange() throws Exception {
    TestImage image = TestImage.create(9, 1_000_000);
    Descriptor layer = image.layerDescriptor(0);
    client().pushBlob(host, "resume/app", layer, BlobSource.of(image.layers().get(0)));

    try (FaultyProxy proxy = FaultyProxy.start(registry.port())) {
      proxy.onNext(line -> line.startsWith("GET ") && line.contains(layer.digest().toString()),
          new FaultyProxy.Cut(300_000));
      Path partial = temp.resolve("partial");
      try (BlobSink sink = BlobSink.appendingTo(partial)) {
        client().fetchBlob(proxy.hostPort(), "resume/app", layer, sink);
      }
      assertArrayEquals(image.layers().get(0), Files.readAllBytes(partial));

      List<String> blobGets = proxy.requestHeads().stream()
          .filter(h -> h.startsWith("GET ") && h.contains(layer.digest().toString())).toList();
      assertEquals(2, blobGets.size(), blobGets.toString());
      assertFalse(blobGets.get(0).toLowerCase().contains("range:"));
      assertTrue(blobGets.get(0).contains("\r\nUser-Agent: lading/0.1.0\r\n"), blobGets.get(0));
      assertTrue(blobGets.get(1).matches("(?s).*\r\nRange: bytes=\\d+-\r\n.*"), blobGets.get(1));
      long resumedAt = Long.parseLong(blobGets.get(1).replaceAll("(?s).*\r\nRange: bytes=(\\d+)-\r\n.*", "$1"));
      assertTrue(resumedAt > 200_000 && resumedAt < 300_000, "resumed at " + resumedAt);
    }
  }

  @Test
  void continuesAPartialFileFromAnEarlierRunAndVerifiesTheWholeBlob() throws Exception {
    TestImage image = TestImage.create(10, 50_000);
    Descriptor layer = image.layerDescriptor(0);
    RegistryClient client = client();
    client.pushBlob(host, "partial/app", layer, BlobSource.of(image.layers().get(0)));
    byte[] content = image.layers().get(0);

    Path good = temp.resolve("good");
    Files.write(good, java.util.Arrays.copyOf(content, 12_345));
    try (BlobSink sink = BlobSink.appendingTo(good)) {
      client.fetchBlob(host, "partial/app", layer, sink);
    }
    assertArrayEquals(content, Files.readAllBytes(good));

    // A prefix that is not the blob's own is caught: the held bytes are hashed too.
    Path bad = temp.resolve("bad");
    byte[] wrongPrefix = java.util.Arrays.copyOf(content, 12_345);
    wrongPrefix[100] ^= 1;
    Files.write(bad, wrongPrefix);
    try (BlobSink sink = BlobSink.appendingTo(bad)) {
      assertThrows(DigestMismatchException.class, () -> client.fetchBlob(host, "partial/app", layer, sink));
    }
  }

  @Test
  void aSinkThatVerifiesTheDigestItselfGetsEachByteOnceAndTheStoreKeepsNoCorruptBlob() throws Exception {
    RegistryClient direct = client();
    TestImage image = TestImage.create(12, 30_000);
    image.push(direct, host, "corrupt/store", "v1");
    Descriptor layer = image.layerDescriptor(0);
    dev.lading.store.Store store = dev.lading.store.Store.open(temp.resolve("verifying-sink-store"));
    try (FaultyProxy proxy = FaultyProxy.start(registry.port())) {
      proxy.onNext(line -> line.startsWith("GET ") && line.contains("/blobs/"), new FaultyProxy.CorruptLastByte());
      try (dev.lading.store.BlobWriter writer = store.resumableWriter(layer.digest())) {
        BlobSink verifying = new BlobSink() {
          @Override public long position() {
            return writer.position();
          }

          @Override public java.io.InputStream readHeld() {
            throw new AssertionError("a verifying sink's held bytes are not read back");
          }

          @Override public void write(byte[] b, int off, int len) throws java.io.IOException {
            writer.write(b, off, len);
          }

          @Override public boolean verifiesDigest() {
            return true;
          }

          @Override public void close() throws java.io.IOException {
            writer.flush();
          }
        };
        client().fetchBlob(proxy.hostPort(), "corrupt/store", layer, verifying); // sizes match: no error here
        DigestMismatchException e = assertThrows(DigestMismatchException.class, writer::commit);
        assertEquals(layer.digest(), e.expected());
      }
    }
    assertFalse(store.has(layer.digest()), "nothing corrupt becomes visible");
  }

  @Test
  void detectsContentThatDoesNotMatchItsDigest() throws Exception {
    RegistryClient direct = client();
    TestImage image = TestImage.create(11, 30_000);
    Digest manifest = image.push(direct, host, "corrupt/app", "v1");
    Descriptor layer = image.layerDescriptor(0);
    try (FaultyProxy proxy = FaultyProxy.start(registry.port())) {
      RegistryClient client = client();
      proxy.onNext(line -> line.startsWith("GET ") && line.contains("/blobs/"), new FaultyProxy.CorruptLastByte());
      DigestMismatchException blob = assertThrows(DigestMismatchException.class,
          () -> client.fetchBlob(proxy.hostPort(), "corrupt/app", layer, BlobSink.of(new ByteArrayOutputStream())));
      assertEquals(layer.digest(), blob.expected());

      proxy.onNext(line -> line.startsWith("GET ") && line.contains("/manifests/"), new FaultyProxy.CorruptLastByte());
      DigestMismatchException byDigest = assertThrows(DigestMismatchException.class,
          () -> client.getManifest(proxy.hostPort(), "corrupt/app", manifest.toString()));
      assertEquals(manifest, byDigest.expected());

      proxy.onNext(line -> line.startsWith("GET ") && line.contains("/manifests/"), new FaultyProxy.CorruptLastByte());
      DigestMismatchException byTag = assertThrows(DigestMismatchException.class,
          () -> client.getManifest(proxy.hostPort(), "corrupt/app", "v1"));
      assertEquals(manifest, byTag.expected(), "checked against Docker-Content-Digest");

      Descriptor wrongSize = Descriptor.of(layer.mediaType(), layer.digest(), layer.size() + 1);
      RegistryException size = assertThrows(RegistryException.class,
          () -> client.fetchBlob(host, "corrupt/app", wrongSize, BlobSink.of(new ByteArrayOutputStream())));
      assertTrue(size.getMessage().contains("descriptor says"), size.getMessage());
    }
  }

  @Test
  void retriesRateLimitsAndServerErrorsHonouringRetryAfter() throws Exception {
    RegistryClient setup = client();
    TestImage.create(12, 100).push(setup, host, "retry/app", "v1");
    try (FaultyProxy proxy = FaultyProxy.start(registry.port())) {
      RegistryClient client = client();
      client.headManifest(proxy.hostPort(), "retry/app", "v1"); // settles HTTPS -> HTTP first
      proxy.onNext(line -> line.startsWith("GET /v2/retry/app/manifests/"), new FaultyProxy.Answer(
          "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
              + "Content-Length: 0\r\nConnection: close\r\n\r\n"));
      proxy.onNext(line -> line.startsWith("GET /v2/retry/app/manifests/"), new FaultyProxy.Answer(
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
      long start = System.nanoTime();
      ManifestResponse manifest = client.getManifest(proxy.hostPort(), "retry/app", "v1");
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(TestImage.create(12, 100).manifestDigest(), manifest.digest());
      assertTrue(elapsedMillis >= 900, "waited for Retry-After: 1, took " + elapsedMillis + " ms");

      RegistryClient impatient = RegistryClient.builder()
          .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(1)))
          .build();
      impatient.headManifest(proxy.hostPort(), "retry/app", "v1");
      String body = "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"maintenance\"}]}";
      for (int i = 0; i < 3; i++) {
        proxy.onNext(line -> line.startsWith("GET /v2/retry/app/manifests/"), new FaultyProxy.Answer(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body));
      }
      RegistryException e = assertThrows(RegistryException.class,
          () -> impatient.getManifest(proxy.hostPort(), "retry/app", "v1"));
      assertEquals(503, e.status());
      assertTrue(e.hasCode("UNAVAILABLE"));
      assertTrue(e.getMessage().contains("try again later"), e.getMessage());
    }
  }

  @Test
  void skopeoSeesWhatWePushed() throws Exception {
    Path skopeo = RequiredTool.require("skopeo", "skopeo");
    TestImage image = TestImage.create(13, 2000, 3000);
    Digest digest = image.push(client(), host, "skopeo/pushed", "v1");
    String out = Processes.check(List.of(skopeo.toString(), "inspect", "--tls-verify=false",
        "docker://" + host + "/skopeo/pushed:v1"), 60);
    JsonNode json = Json.mapper().readTree(out);
    assertEquals(digest.toString(), json.get("Digest").asText(), out);
    assertEquals(2, json.get("Layers").size(), out);
  }

  @Test
  void readsWhatSkopeoPushed() throws Exception {
    Path skopeo = RequiredTool.require("skopeo", "skopeo");
    TestImage image = TestImage.create(14, 4000, 1000);
    Path layout = temp.resolve("oci");
    writeOciLayout(layout, image, "v1");
    Processes.check(List.of(skopeo.toString(), "copy", "--preserve-digests", "--dest-tls-verify=false",
        "oci:" + layout + ":v1", "docker://" + host + "/skopeo/copied:v1"), 120);

    RegistryClient client = client();
    ManifestResponse manifest = client.getManifest(host, "skopeo/copied", "v1");
    assertEquals(image.manifestDigest(), manifest.digest());
    assertEquals(MediaTypes.OCI_MANIFEST, manifest.mediaType());
    ByteArrayOutputStream config = new ByteArrayOutputStream();
    client.fetchBlob(host, "skopeo/copied", image.configDescriptor(), BlobSink.of(config));
    assertArrayEquals(image.config(), config.toByteArray());
    for (int i = 0; i < 2; i++) {
      ByteArrayOutputStream layer = new ByteArrayOutputStream();
      client.fetchBlob(host, "skopeo/copied", image.layerDescriptor(i), BlobSink.of(layer));
      assertArrayEquals(image.layers().get(i), layer.toByteArray());
    }

    // And skopeo's own registry-to-registry copy, read back by tag.
    Processes.check(List.of(skopeo.toString(), "copy", "--preserve-digests", "--src-tls-verify=false",
        "--dest-tls-verify=false", "docker://" + host + "/skopeo/copied:v1",
        "docker://" + host + "/skopeo/recopied:v2"), 120);
    assertEquals(image.manifestDigest(), client.getManifest(host, "skopeo/recopied", "v2").digest());
    assertEquals(List.of("v2"), client.listTags(host, "skopeo/recopied"));
  }

  /** A minimal OCI image layout, written by hand as the spec describes it. */
  private static void writeOciLayout(Path dir, TestImage image, String tag) throws Exception {
    Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
    for (byte[] blob : List.of(image.config(), image.manifest(), image.layers().get(0), image.layers().get(1))) {
      Files.write(blobs.resolve(Digest.of(blob).hex()), blob);
    }
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", StandardCharsets.UTF_8);
    Descriptor manifest = Descriptor.of(MediaTypes.OCI_MANIFEST, image.manifestDigest(), image.manifest().length)
        .withAnnotations(Map.of(Descriptor.REF_NAME, tag));
    Files.write(dir.resolve("index.json"), Json.write(Map.of("schemaVersion", 2,
        "mediaType", MediaTypes.OCI_INDEX, "manifests", List.of(manifest))));
  }

  @Test
  void progressCountsResumedBytes() throws Exception {
    TestImage image = TestImage.create(15, 10_000);
    Descriptor layer = image.layerDescriptor(0);
    client().pushBlob(host, "progress/app", layer, BlobSource.of(image.layers().get(0)));
    AtomicLong first = new AtomicLong(-1);
    RegistryClient client = RegistryClient.builder()
        .transferListener((blob, soFar, total) -> first.compareAndSet(-1, soFar)).build();
    Path partial = temp.resolve("progress");
    Files.write(partial, java.util.Arrays.copyOf(image.layers().get(0), 4000));
    try (BlobSink sink = BlobSink.appendingTo(partial)) {
      client.fetchBlob(host, "progress/app", layer, sink);
    }
    assertEquals(4000, first.get());
    TestFiles.deleteRecursively(partial);
  }
}
