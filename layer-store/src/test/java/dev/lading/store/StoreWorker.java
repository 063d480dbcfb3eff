package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/**
 * A child JVM for the multi-process tests: {@code mix <store> <id> <count>} writes shared and own
 * images and refs; {@code slow <store> <size> <seed>} writes one blob slowly through a resumable
 * writer, printing {@code at <position>} after every flushed chunk, to be killed mid-way;
 * {@code tags <store> <id> <count>} sets {@code count} repository tags in a shared repository, in
 * its own repository and on tag names both workers use;
 * {@code where} prints {@link Store#defaultDirectory()}.
 */
public final class StoreWorker {
  private StoreWorker() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("where")) {
      System.out.println(Store.defaultDirectory());
      return;
    }
    Store store = Store.open(Path.of(args[1]));
    switch (args[0]) {
      case "mix" -> mix(store, args[2], Integer.parseInt(args[3]));
      case "tags" -> tags(store, args[2], Integer.parseInt(args[3]));
      case "slow" -> slow(store, Integer.parseInt(args[2]), Long.parseLong(args[3]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    System.out.println("done");
  }

  /** Deterministic content, so parent and children agree on it. */
  static byte[] content(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static void mix(Store store, String id, int count) throws IOException {
    byte[] big = content(3 * 1024 * 1024, 42);
    Digest bigDigest = Digest.of(big);
    for (int i = 0; i < count; i++) {
      // The lease spans "write blobs, then set the ref": a concurrent gc must not take them between.
      try (Lease lease = store.lease()) {
        store.setRef("shared/img:" + i, TestImages.put(store, "shared " + i));
        store.setRef("worker-" + id + "/img:" + i, TestImages.put(store, "own " + id + " " + i));
        if (i % 10 == 0) {
          // Both workers download the same big blob; the per-digest lock makes them take turns.
          try (BlobWriter writer = store.resumableWriter(bigDigest)) {
            if (!writer.alreadyStored()) {
              int from = (int) writer.position();
              writer.write(big, from, big.length - from);
            }
            writer.commit();
          }
          Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, bigDigest, big.length);
          String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
              + "\",\"config\":" + TestImages.descriptorJson(store.put(MediaTypes.OCI_CONFIG,
                  "{}".getBytes(StandardCharsets.UTF_8)))
              + ",\"layers\":[" + TestImages.descriptorJson(layer) + "]}";
          store.setRef("big/img:" + id + "-" + i,
              store.put(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8)));
        }
      }
    }
  }

  private static void tags(Store store, String id, int count) throws IOException {
    Descriptor shared;
    Descriptor own;
    // Blobs are unnamed until the first tag: the lease keeps a concurrent gc off them meanwhile.
    try (Lease lease = store.lease()) {
      shared = TestImages.put(store, "tagged by both");
      own = TestImages.put(store, "tagged by " + id);
      store.setTag("shared/repo", "both-0", shared);
      store.setTag("worker-" + id, "t-0", own);
    }
    for (int i = 0; i < count; i++) {
      store.setTag("shared/repo", id + "-" + i, own);
      store.setTag("shared/repo", "both-" + i, shared);
      store.setTag("worker-" + id, "t-" + i, own);
      store.setTag("worker-" + id + "/nested-" + (i % 7), "t-" + i, shared);
    }
  }

  private static void slow(Store store, int size, long seed) throws Exception {
    byte[] data = content(size, seed);
    try (BlobWriter writer = store.resumableWriter(Digest.of(data))) {
      int chunk = 64 * 1024;
      for (int at = (int) writer.position(); at < size; at += chunk) {
        writer.write(data, at, Math.min(chunk, size - at));
        writer.flush();
        System.out.println("at " + writer.position());
        System.out.flush();
        Thread.sleep(20);
      }
      writer.commit();
    }
  }
}
