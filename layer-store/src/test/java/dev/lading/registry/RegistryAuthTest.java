package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Basic (htpasswd) and token authentication against real distribution registries. */
class RegistryAuthTest {
  private static final RetryPolicy FAST =
      new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(2));

  @TempDir
  Path temp;

  private LocalRegistry startBasicRegistry() throws Exception {
    Path htpasswd = RequiredTool.require("htpasswd", "apache2-utils");
    String entry = Processes.check(List.of(htpasswd.toString(), "-Bbn", "alice", "s3cret"), 30).strip();
    Path file = temp.resolve("htpasswd");
    Files.writeString(file, entry + "\n");
    return LocalRegistry.start(List.of("auth:", "  htpasswd:", "    realm: lading-test",
        "    path: " + file));
  }

  @Test
  void basicAuthWithStaticCredentials() throws Exception {
    try (LocalRegistry registry = startBasicRegistry()) {
      String host = registry.hostPort();
      TestImage image = TestImage.create(20, 5000);

      RegistryClient anonymous = RegistryClient.builder().retryPolicy(FAST).build();
      RegistryException refused = assertThrows(RegistryException.class,
          () -> image.push(anonymous, host, "basic/app", "v1"));
      assertEquals(401, refused.status());
      assertTrue(refused.getMessage().contains("check credentials for " + host
          + " in ~/.docker/config.json or your settings"), refused.getMessage());

      RegistryClient wrong = RegistryClient.builder().retryPolicy(FAST)
          .credentials(StaticCredentials.of(host, "alice", "wrong")).build();
      assertEquals(401, assertThrows(RegistryException.class,
          () -> wrong.getManifest(host, "basic/app", "v1")).status());

      RegistryClient alice = RegistryClient.builder().retryPolicy(FAST)
          .credentials(StaticCredentials.of(host, "alice", "s3cret")).build();
      Digest digest = image.push(alice, host, "basic/app", "v1");
      assertEquals(digest, alice.getManifest(host, "basic/app", "v1").digest());
      ByteArrayOutputStream layer = new ByteArrayOutputStream();
      alice.fetchBlob(host, "basic/app", image.layerDescriptor(0), BlobSink.of(layer));
      assertArrayEquals(image.layers().get(0), layer.toByteArray());
    }
  }

  @Test
  void basicAuthWithACredentialHelperFromDockerConfig() throws Exception {
    try (LocalRegistry registry = startBasicRegistry()) {
      String host = registry.hostPort();
      Path bin = Files.createDirectories(temp.resolve("bin"));
      Path helper = bin.resolve("docker-credential-test");
      Files.writeString(helper, String.join("\n",
          "#!/bin/sh",
          "read -r server",
          "if [ \"$1\" = get ] && [ \"$server\" = \"" + host + "\" ]; then",
          "  printf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}\\n' \"$server\"",
          "else",
          "  echo 'credentials not found in native keychain'; exit 1",
          "fi", ""));
      Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path config = temp.resolve("config.json");
      Files.writeString(config, "{\"credHelpers\":{\"" + host + "\":\"test\"}}");

      RegistryClient client = RegistryClient.builder().retryPolicy(FAST)
          .credentials(DockerConfigCredentials.of(config, List.of(bin))).build();
      TestImage image = TestImage.create(21, 1000);
      Digest digest = image.push(client, host, "helper/app", "v1");
      assertEquals(digest, client.getManifest(host, "helper/app", digest.toString()).digest());
    }
  }

  @Test
  void redirectsToBlobStorageDoNotCarryTheRegistryCredentials() throws Exception {
    try (LocalRegistry registry = startBasicRegistry();
        FaultyProxy proxy = FaultyProxy.start(registry.port())) {
      TestImage image = TestImage.create(22, 8000);
      RegistryClient client = RegistryClient.builder().retryPolicy(FAST)
          .credentials(StaticCredentials.of(proxy.hostPort(), "alice", "s3cret")).build();
      image.push(client, proxy.hostPort(), "redirect/app", "v1");
      Descriptor layer = image.layerDescriptor(0);

      // "Blob storage" on another origin (localhost, not 127.0.0.1), like S3 behind a registry.
      List<String> storageAuthorization = new CopyOnWriteArrayList<>();
      HttpServer storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      storage.createContext("/bucket", exchange -> {
        try (exchange) {
          storageAuthorization.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          exchange.sendResponseHeaders(200, layer.size());
          exchange.getResponseBody().write(image.layers().get(0));
        }
      });
      storage.start();
      try {
        proxy.onNext(line -> line.startsWith("GET ") && line.contains("/blobs/" + layer.digest()),
            new FaultyProxy.Answer("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:"
                + storage.getAddress().getPort() + "/bucket/" + layer.digest().hex()
                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.fetchBlob(proxy.hostPort(), "redirect/app", layer, BlobSink.of(out));
        assertArrayEquals(image.layers().get(0), out.toByteArray());
        assertEquals(List.of("null"), storageAuthorization, "no Authorization header at the storage");
        String registryRequest = proxy.requestHeads().stream()
            .filter(h -> h.startsWith("GET ") && h.contains("/blobs/" + layer.digest())).findFirst().orElseThrow();
        assertTrue(registryRequest.contains("\r\nAuthorization: Basic "), "the registry itself got credentials");
      } finally {
        storage.stop(0);
      }
    }
  }

  @Test
  void anUploadLocationOnAnotherHostDoesNotGetTheRegistryCredentials() throws Exception {
    try (LocalRegistry registry = startBasicRegistry();
        FaultyProxy proxy = FaultyProxy.start(registry.port())) {
      TestImage image = TestImage.create(25, 3000);
      Descriptor layer = image.layerDescriptor(0);
      RegistryClient client = RegistryClient.builder().retryPolicy(FAST)
          .credentials(StaticCredentials.of(proxy.hostPort(), "alice", "s3cret")).build();
      // Upload storage on another origin (localhost, not 127.0.0.1) that takes the blob's PUT.
      List<String> storageAuthorization = new CopyOnWriteArrayList<>();
      HttpServer storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      storage.createContext("/uploads", exchange -> {
        try (exchange) {
          storageAuthorization.add(exchange.getRequestMethod() + " "
              + exchange.getRequestHeaders().getFirst("Authorization"));
          exchange.getRequestBody().readAllBytes();
          exchange.getResponseHeaders().set("Docker-Content-Digest", layer.digest().toString());
          exchange.sendResponseHeaders(201, -1);
        }
      });
      storage.start();
      try {
        proxy.onNext(line -> line.startsWith("POST ") && line.contains("/blobs/uploads/"),
            new FaultyProxy.Answer("HTTP/1.1 202 Accepted\r\nLocation: http://localhost:"
                + storage.getAddress().getPort() + "/uploads/1\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n"));
        client.uploadBlob(proxy.hostPort(), "upload/app", layer, BlobSource.of(image.layers().get(0)));
        assertEquals(List.of("PUT null"), storageAuthorization, "no Authorization header at the storage");
      } finally {
        storage.stop(0);
      }
    }
  }

  @Test
  void tokenAuthFetchesScopedTokensAndCachesThem() throws Exception {
    try (TokenServer tokens = TokenServer.start(temp, "bob", "hunter2");
        LocalRegistry registry = LocalRegistry.start(tokens.registryConfig())) {
      String host = registry.hostPort();
      RegistryClient bob = RegistryClient.builder().retryPolicy(FAST)
          .credentials(StaticCredentials.of(host, "bob", "hunter2")).build();
      TestImage image = TestImage.create(23, 3000);
      Digest digest = image.push(bob, host, "token/source", "v1");
      assertTrue(tokens.requests().stream().allMatch(q -> q.contains("service=" + TokenServer.SERVICE)));
      assertTrue(tokens.requests().contains("service=" + TokenServer.SERVICE
          + "&scope=repository:token/source:pull,push"), tokens.requests().toString());

      int before = tokens.requests().size();
      assertEquals(digest, bob.getManifest(host, "token/source", "v1").digest());
      assertEquals(digest, bob.getManifest(host, "token/source", digest.toString()).digest());
      assertEquals(before + 1, tokens.requests().size(), "one pull token, then reused from the cache");

      Digest layer = image.layerDescriptor(0).digest();
      assertTrue(bob.mountBlob(host, "token/target", layer, "token/source"));
      String mountQuery = tokens.requests().get(tokens.requests().size() - 1);
      assertTrue(mountQuery.contains("scope=repository:token/source:pull")
          && mountQuery.contains("scope=repository:token/target:pull,push"), mountQuery);

      // Anonymous callers get pull-only tokens: reading works, pushing is refused with a clear hint.
      RegistryClient anonymous = RegistryClient.builder().retryPolicy(FAST).build();
      assertEquals(digest, anonymous.getManifest(host, "token/source", "v1").digest());
      RegistryException push = assertThrows(RegistryException.class,
          () -> TestImage.create(24, 100).push(anonymous, host, "token/anon", "v1"));
      assertEquals(401, push.status());
      assertTrue(push.getMessage().contains("check credentials for " + host), push.getMessage());

      RegistryClient wrong = RegistryClient.builder().retryPolicy(FAST)
          .credentials(StaticCredentials.of(host, "bob", "nope")).build();
      RegistryException refused = assertThrows(RegistryException.class,
          () -> wrong.getManifest(host, "token/source", "v1"));
      assertEquals(401, refused.status());
      assertTrue(refused.getMessage().contains("token request") && refused.getMessage().contains("bob"),
          refused.getMessage());
      assertFalse(refused.getMessage().contains("nope"), "never show the secret");
    }
  }
}
