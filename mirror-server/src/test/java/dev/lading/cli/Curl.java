package dev.lading.cli;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One HTTP request made by the real curl, with status, headers and body kept for assertions. */
final class Curl {
  private final Path dir;
  private int calls;

  Curl(Path dir) {
    this.dir = dir;
  }

  /** What came back; header names are lower case. */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * {@code curl -X METHOD URL} with {@code headers} ("Name: value") and, when not null, the body;
   * the path is sent exactly as written (no '..' folding), as a hostile client would.
   */
  Response call(String method, String url, byte[] body, String... headers) throws IOException {
    RequiredTool.require("curl", "curl");
    int n = ++calls;
    Path head = dir.resolve("curl-" + n + ".head");
    Path out = dir.resolve("curl-" + n + ".body");
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--path-as-is", "-X", method,
        "-D", head.toString(), "-o", out.toString(), "-w", "%{http_code}"));
    if ("HEAD".equals(method)) {
      cmd.set(cmd.indexOf("-X"), "-I");
      cmd.remove("HEAD");
    }
    for (String h : headers) {
      cmd.add("-H");
      cmd.add(h);
    }
    if (body != null) {
      Path data = dir.resolve("curl-" + n + ".data");
      Files.write(data, body);
      cmd.add("--data-binary");
      cmd.add("@" + data);
      if (List.of(headers).stream().noneMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("content-type:"))) {
        cmd.add("-H");
        cmd.add("Content-Type: application/octet-stream");
      }
    }
    cmd.add(url);
    Processes.Result r = Processes.run(cmd, 120);
    String code = r.output().trim();
    if (!code.matches("\\d{3}")) {
      throw new IOException(String.join(" ", cmd) + " failed: " + r.output());
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (String line : Files.readAllLines(head, StandardCharsets.ISO_8859_1)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        map.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    byte[] bytes = Files.exists(out) ? Files.readAllBytes(out) : new byte[0];
    return new Response(Integer.parseInt(code), map, bytes);
  }
}
