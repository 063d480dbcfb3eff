package dev.lading.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.MediaTypes;
import dev.lading.registry.BlobSource;
import dev.lading.registry.RegistryClient;
import dev.lading.store.BlobOrigin;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirrors are optional: one that is down is asked once; one that lacks a blob stays in use. */
class MirrorsTest {
  @TempDir Path dir;

  @Test
  void aDeadMirrorIsSkippedForTheRestOfTheRunAndAnEmptyOneIsKept() throws Exception {
    try (LocalRegistry origin = LocalRegistry.start(); LocalRegistry empty = LocalRegistry.start()) {
      RegistryClient client = RegistryClient.builder().build();
      Store store = Store.open(dir.resolve("store"));
      List<Descriptor> blobs = List.of(push(client, origin, "one"), push(client, origin, "two"));
      for (Descriptor blob : blobs) {
        store.addOrigin(blob.digest(), new BlobOrigin(origin.hostPort(), "lib/app"));
      }
      String dead = "127.0.0.1:" + LocalRegistry.freePort(); // nothing listens there
      Mirrors mirrors = new Mirrors(List.of(dead, empty.hostPort()));
      OriginFetcher fetcher = new OriginFetcher(store, client, mirrors);

      assertTrue(fetcher.ensure(blobs.get(0), done -> { }));
      // Refused without an HTTP answer: skipped from now on. The empty mirror answered 404: kept.
      assertEquals(List.of(empty.hostPort()), mirrors.usable());
      assertTrue(fetcher.ensure(blobs.get(1), done -> { }));
      assertEquals(List.of(empty.hostPort()), mirrors.usable());
      for (Descriptor blob : blobs) {
        assertTrue(store.has(blob.digest()), "fetched from the origin: " + blob.digest());
      }
    }
  }

  private static Descriptor push(RegistryClient client, LocalRegistry registry, String text)
      throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(bytes), bytes.length);
    client.pushBlob(registry.hostPort(), "lib/app", d, BlobSource.of(bytes));
    return d;
  }
}
