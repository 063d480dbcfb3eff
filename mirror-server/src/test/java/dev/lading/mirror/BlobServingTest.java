package dev.lading.mirror;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.store.Store;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored blobs as the mirror serves them: whole, HEAD, byte ranges, 416, the digest headers, the
 * bytes counted in the metrics, and many downloads at once (more than the server has workers).
 */
class BlobServingTest {
  /** Larger than what loopback socket buffers hold for a client that reads nothing. */
  private static final int BLOB_BYTES = 16 * 1024 * 1024;

  @TempDir Path tmp;
  private MirrorServer server;
  private final MirrorMetrics metrics = new MirrorMetrics();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
  private byte[] blob;
  private Digest digest;
  private String base;

  @BeforeEach
  void start() throws IOException {
    Store store = Store.open(tmp.resolve("store"));
    StoreRegistryStorage storage = new StoreRegistryStorage(store);
    blob = new byte[BLOB_BYTES];
    new Random(42).nextBytes(blob);
    digest = Digest.of(blob);
    storage.putBlob(digest, new ByteArrayInputStream(blob));
    server = MirrorServer.start(storage, "127.0.0.1", 0, new MirrorServer.Options(null,
        ClientAuth.none(), metrics, null, new RequestLog(RequestLog.Format.TEXT)), log::add);
    base = "http://127.0.0.1:" + server.address().getPort() + "/v2/app/blobs/";
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<byte[]> call(String method, String url, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  @Test
  void servesWholeBlobsHeadsAndRanges() throws Exception {
    HttpResponse<byte[]> whole = call("GET", base + digest);
    assertEquals(200, whole.statusCode());
    assertArrayEquals(blob, whole.body());
    assertEquals(digest.toString(), header(whole, "Docker-Content-Digest"));
    assertEquals("\"" + digest + "\"", header(whole, "ETag"));
    assertEquals("bytes", header(whole, "Accept-Ranges"));
    assertEquals(String.valueOf(BLOB_BYTES), header(whole, "Content-Length"));

    HttpResponse<byte[]> head = call("HEAD", base + digest);
    assertEquals(200, head.statusCode());
    assertEquals(0, head.body().length);
    assertEquals(String.valueOf(BLOB_BYTES), header(head, "Content-Length"));
    assertEquals(digest.toString(), header(head, "Docker-Content-Digest"));

    HttpResponse<byte[]> middle = call("GET", base + digest, "Range", "bytes=5-104");
    assertEquals(206, middle.statusCode());
    assertEquals("bytes 5-104/" + BLOB_BYTES, header(middle, "Content-Range"));
    assertArrayEquals(Arrays.copyOfRange(blob, 5, 105), middle.body());

    HttpResponse<byte[]> tail = call("GET", base + digest, "Range", "bytes=-7");
    assertEquals(206, tail.statusCode());
    assertArrayEquals(Arrays.copyOfRange(blob, BLOB_BYTES - 7, BLOB_BYTES), tail.body());

    // A large open-ended range: resumed downloads ask for these.
    HttpResponse<byte[]> rest = call("GET", base + digest, "Range", "bytes=1000-");
    assertEquals(206, rest.statusCode());
    assertEquals("bytes 1000-" + (BLOB_BYTES - 1) + "/" + BLOB_BYTES, header(rest, "Content-Range"));
    assertArrayEquals(Arrays.copyOfRange(blob, 1000, BLOB_BYTES), rest.body());

    HttpResponse<byte[]> headRange = call("HEAD", base + digest, "Range", "bytes=0-9");
    assertEquals(206, headRange.statusCode());
    assertEquals("10", header(headRange, "Content-Length"));
    assertEquals(0, headRange.body().length);

    HttpResponse<byte[]> outside = call("GET", base + digest, "Range", "bytes=" + BLOB_BYTES + "-");
    assertEquals(416, outside.statusCode());
    assertEquals("bytes */" + BLOB_BYTES, header(outside, "Content-Range"));
    assertTrue(new String(outside.body(), UTF_8).contains("\"BLOB_UNKNOWN\""));

    // Ranges we do not read are ignored: the whole blob.
    HttpResponse<byte[]> several = call("GET", base + digest, "Range", "bytes=0-1,5-6");
    assertEquals(200, several.statusCode());
    assertEquals(BLOB_BYTES, several.body().length);

    Digest absent = Digest.of("no such blob".getBytes(UTF_8));
    HttpResponse<byte[]> missing = call("GET", base + absent);
    assertEquals(404, missing.statusCode());
    assertTrue(new String(missing.body(), UTF_8).contains("\"BLOB_UNKNOWN\""));
    HttpResponse<byte[]> missingHead = call("HEAD", base + absent);
    assertEquals(404, missingHead.statusCode());
    assertEquals(0, missingHead.body().length);
    HttpResponse<byte[]> delete = call("DELETE", base + digest);
    assertEquals(405, delete.statusCode());
    assertTrue(new String(delete.body(), UTF_8).contains("\"UNSUPPORTED\""));

    long bodies = whole.body().length + middle.body().length + tail.body().length
        + rest.body().length + outside.body().length + several.body().length
        + missing.body().length + delete.body().length;
    // Counted when each exchange completes, which may be just after the client has read the body.
    long served = counter(metrics.render(), "lading_mirror_bytes_served_total");
    for (int i = 0; i < 100 && served < bodies; i++) {
      Thread.sleep(50);
      served = counter(metrics.render(), "lading_mirror_bytes_served_total");
    }
    assertTrue(served >= bodies && served < bodies + 4096,
        "bytes served " + served + " count the bodies sent, " + bodies);
  }

  private static long counter(String exposition, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)$").matcher(exposition);
    assertTrue(m.find(), name + " in\n" + exposition);
    return Long.parseLong(m.group(1));
  }

  /**
   * Downloads that are not read from must not hold the server: each gets its headers at once, more
   * of them than the server has worker threads, and the others are still served meanwhile.
   */
  @Test
  void manyStalledDownloadsDoNotQueueTheOthers() throws Exception {
    int clients = 40; // Undertow has 8 workers per IO thread: 16 on two cores
    long openFiles = openFiles();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.address().getPort()), 5_000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET /v2/app/blobs/" + digest + " HTTP/1.1\r\nHost: x\r\n\r\n")
            .getBytes(ISO_8859_1));
        stalled.add(s);
      }
      for (Socket s : stalled) {
        assertEquals("HTTP/1.1 200 OK", statusLine(s.getInputStream()));
      }
      // Meanwhile another client gets the whole blob.
      HttpResponse<byte[]> whole = call("GET", base + digest);
      assertEquals(200, whole.statusCode());
      assertArrayEquals(blob, whole.body());
      // One stalled client reads on and gets every byte.
      InputStream in = stalled.get(clients - 1).getInputStream();
      while (!readLine(in).isEmpty()) {
        // the rest of the headers
      }
      assertArrayEquals(blob, in.readNBytes(BLOB_BYTES));
    } finally {
      for (Socket s : stalled) {
        s.close(); // mid-body: the server meets a reset
      }
    }
    // The blob files of the abandoned downloads are closed again.
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (openFiles() > openFiles + 8 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(openFiles() <= openFiles + 8, "open files " + openFiles() + ", before " + openFiles);
    assertEquals(200, call("GET", "http://127.0.0.1:" + server.address().getPort() + "/v2/")
        .statusCode());
  }

  /** This JVM's open file descriptors (Linux). */
  private static long openFiles() throws IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    return readLine(in);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("connection closed after '" + line + "'");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
