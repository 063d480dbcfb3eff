package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.model.Json;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror's operations side against a real upstream {@code docker-registry}: the Prometheus
 * counters after a pull through, a second pull and pushes (one forwarded, one to an upstream that is
 * down), the status page, and the JSON request log.
 */
class MirrorOpsIT {
  private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+(?:\\{[^}]*\\})?) (\\d+)$",
      Pattern.MULTILINE);

  @TempDir static Path shared;
  private static LocalRegistry upstream;
  private static MirrorProcess mirror;
  private static String image;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("htpasswd", "apache2-utils");
    upstream = LocalRegistry.start();
    BaseImages.push("minimal", upstream.hostPort() + "/base/minimal:1");
    image = BaseImages.layout("minimal");
    Path users = shared.resolve("htpasswd");
    Processes.check(List.of("htpasswd", "-cbB", users.toString(), "alice", "alice-secret"), 60);
    String down = "127.0.0.1:" + LocalRegistry.freePort(); // nothing listens there
    mirror = MirrorProcess.start(shared.resolve("store"), shared.resolve("mirror.log"),
        "--upstream", "docker.io=http://" + upstream.hostPort(), "--upstream", "down=http://" + down,
        "--htpasswd", users.toString(), "--log-format", "json", "--forward-backoff-max", "2s");
  }

  @AfterAll
  static void stop() throws Exception {
    if (mirror != null) {
      mirror.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static Processes.Result skopeo(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    return Processes.run(cmd, 300);
  }

  /** The samples of /metrics, by series. */
  private Map<String, Long> metrics() throws IOException {
    Curl.Response r = new Curl(tmp).call("GET", mirror.url("/metrics"), null);
    assertEquals(200, r.status());
    assertTrue(r.header("Content-Type").startsWith("text/plain; version=0.0.4"));
    Map<String, Long> samples = new HashMap<>();
    Matcher m = SAMPLE.matcher(r.text());
    while (m.find()) {
      samples.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return samples;
  }

  @Test
  void countsPullsThroughPushesAndForwardsAndListsThemOnTheStatusPage() throws Exception {
    String cached = "docker://" + mirror.host + "/docker.io/base/minimal:1";
    skopeo("copy", "--src-tls-verify=false", cached, "dir:" + tmp.resolve("first"))
        .assertSuccess(List.of("first pull through"));
    long blobs;
    try (var files = Files.list(tmp.resolve("first"))) {
      blobs = files.filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).count();
    }
    Map<String, Long> first = metrics();
    assertEquals(blobs, first.get("lading_mirror_upstream_fetches_total{kind=\"blob\"}"),
        "config and layers fetched once each");
    assertTrue(first.get("lading_mirror_upstream_fetches_total{kind=\"manifest\"}") >= 1);
    assertTrue(first.get("lading_mirror_upstream_bytes_total") > 0);
    assertEquals(blobs, first.get("lading_mirror_cache_misses_total{kind=\"blob\"}"));
    assertEquals(0L, first.get("lading_mirror_cache_hits_total{kind=\"blob\"}"));

    skopeo("copy", "--src-tls-verify=false", cached, "dir:" + tmp.resolve("second"))
        .assertSuccess(List.of("second pull, from the cache"));
    Map<String, Long> second = metrics();
    assertEquals(blobs, second.get("lading_mirror_upstream_fetches_total{kind=\"blob\"}"),
        "nothing fetched again");
    assertEquals(blobs, second.get("lading_mirror_cache_hits_total{kind=\"blob\"}"));
    assertTrue(second.get("lading_mirror_cache_hits_total{kind=\"manifest\"}") >= 1);
    assertTrue(second.get("lading_mirror_bytes_served_total")
        > first.get("lading_mirror_bytes_served_total"));

    skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:alice-secret", image,
        "docker://" + mirror.host + "/team/app:1").assertSuccess(List.of("push, forwarded"));
    skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:alice-secret", image,
        "docker://" + mirror.host + "/down/team/stuck:1").assertSuccess(List.of("push, stuck"));
    Map<String, Long> after = metrics();
    for (int i = 0; i < 300 && (after.get("lading_mirror_forward_failures_total") < 1
        || after.get("lading_mirror_forward_queue_depth") != 1); i++) {
      Thread.sleep(100);
      after = metrics();
    }
    assertEquals(1L, after.get("lading_mirror_forward_queue_depth"), "team/app went, stuck waits");
    assertTrue(after.get("lading_mirror_forward_failures_total") >= 1);
    assertTrue(after.get("lading_mirror_requests_total{method=\"PUT\",status=\"2xx\"}") >= 2);
    assertTrue(after.get("lading_mirror_requests_total{method=\"GET\",status=\"2xx\"}") >= 2);

    Curl.Response page = new Curl(tmp).call("GET", mirror.url("/_lading/status"), null);
    assertEquals(200, page.status());
    assertTrue(page.header("Content-Type").startsWith("text/html"));
    assertTrue(page.text().contains("<td>team/app</td><td class=\"n\">1</td>"), page.text());
    assertTrue(page.text().contains("<td>docker.io/base/minimal</td>"), page.text());
    assertTrue(page.text().contains("Forwards pending: 1, failing: 1."), page.text());
    assertTrue(page.text().contains("Cache hit ratio: "), page.text());
  }

  @Test
  void logsEachRequestAsOneJsonObject() throws Exception {
    skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:alice-secret", image,
        "docker://" + mirror.host + "/team/logged:1").assertSuccess(List.of("push"));
    JsonNode put = null;
    // The line is written once the response is complete, which may be after skopeo has exited.
    for (int attempt = 0; put == null && attempt < 200; attempt++) {
      if (attempt > 0) {
        Thread.sleep(50);
      }
      for (String line : Files.readAllLines(mirror.log)) {
        if (!line.startsWith("{")) {
          continue; // the JVM's own warnings, if any
        }
        JsonNode entry = Json.mapper().readTree(line);
        assertTrue(entry.has("time"), line);
        if ("/v2/team/logged/manifests/1".equals(entry.path("path").asText())) {
          put = entry;
        }
      }
    }
    assertTrue(put != null, "the manifest PUT is logged");
    assertEquals("PUT", put.path("method").asText());
    assertEquals(201, put.path("status").asInt());
    assertEquals("alice", put.path("user").asText());
    assertEquals("127.0.0.1", put.path("client").asText());
    assertTrue(put.has("ms") && put.has("bytes"));
  }
}
