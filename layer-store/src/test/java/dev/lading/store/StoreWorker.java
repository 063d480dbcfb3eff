package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A child JVM for the multi-process tests: {@code mix <store> <id> <count>} writes shared and own
 * images and refs; {@code slow <store> <size> <seed>} writes one blob slowly through a resumable
 * writer, printing {@code at <position>} after every flushed chunk, to be killed mid-way;
 * {@code tags <store> <id> <count>} sets {@code count} repository tags in a shared repository, in
 * its own repository and on tag names both workers use;
 * {@code pulls <store> <id> <threads> <images>} pulls overlapping images the way a registry pull does
 * (one resumable writer per layer, several threads, each layer written in slow chunks, then a ref);
 * {@code gc <store>} collects garbage with no grace period (waiting for every lease);
 * {@code owned <store>} makes an owned temp directory, prints {@code at <path>} and waits to be killed;
 * {@code where} prints {@link Store#defaultDirectory()}.
 */
public final class StoreWorker {
  private StoreWorker() {}

  /** Starts a worker JVM with {@code args}, its output to {@code log} (when not null). */
  static Process start(Path log, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), StoreWorker.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove(Store.STORE_ENV);
    pb.environment().putAll(env);
    if (log != null) {
      pb.redirectOutput(log.toFile());
    }
    return pb.start();
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("where")) {
      System.out.println(Store.defaultDirectory().path());
      return;
    }
    Store store = Store.open(Path.of(args[1]));
    switch (args[0]) {
      case "mix" -> mix(store, args[2], Integer.parseInt(args[3]));
      case "tags" -> tags(store, args[2], Integer.parseInt(args[3]));
      case "slow" -> slow(store, Integer.parseInt(args[2]), Long.parseLong(args[3]));
      case "pulls" -> pulls(store, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      case "gc" -> System.out.println("removed " + store.gc(Duration.ZERO).removed().size());
      case "owned" -> {
        OwnedTempDirectory dir = store.workAreas().newOwnedTempDirectory("build-");
        java.nio.file.Files.writeString(dir.path().resolve("file"), "work");
        System.out.println("at " + dir.path());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
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

  /** The layers of overlapping image {@code i}: layers i, i+1 and i+2 of one pool. */
  static List<byte[]> pullLayers(int image) {
    List<byte[]> layers = new ArrayList<>();
    for (int l = image; l < image + 3; l++) {
      layers.add(content(256 * 1024 + l, 1000 + l));
    }
    return layers;
  }

  private static void pulls(Store store, String id, int threads, int images) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> pulls = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        // Each thread pulls every image, starting at its own offset: the same and overlapping
        // layers are wanted by several threads of several processes at once, in different orders.
        int offset = t + id.hashCode();
        pulls.add(pool.submit(() -> {
          for (int k = 0; k < images; k++) {
            pullImage(store, Math.floorMod(offset + k, images));
          }
          return null;
        }));
      }
      for (Future<?> pull : pulls) {
        pull.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void pullImage(Store store, int image) throws Exception {
    try (Lease lease = store.lease()) {
      StringBuilder layers = new StringBuilder();
      for (byte[] layer : pullLayers(image)) {
        Digest digest = Digest.of(layer);
        try (BlobWriter writer = store.resumableWriter(digest)) {
          if (!writer.alreadyStored()) {
            for (int at = (int) writer.position(); at < layer.length; at += 32 * 1024) {
              writer.write(layer, at, Math.min(32 * 1024, layer.length - at));
              Thread.sleep(1); // a network's pace, so that writers overlap
            }
          }
          writer.commit();
        }
        layers.append(layers.length() == 0 ? "" : ",").append(TestImages.descriptorJson(
            Descriptor.of(MediaTypes.OCI_LAYER_GZIP, digest, layer.length)));
      }
      String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
          + "\",\"config\":" + TestImages.descriptorJson(store.put(MediaTypes.OCI_CONFIG,
              ("{\"image\":" + image + "}").getBytes(StandardCharsets.UTF_8)))
          + ",\"layers\":[" + layers + "]}";
      store.setRef("pulled/img:" + image,
          store.put(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8)));
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
