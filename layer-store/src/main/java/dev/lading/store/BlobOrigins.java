package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where blobs the store may lack are held ({@code .lading/origins/<hex>}, one origin per line): a
 * build that referenced a base layer without downloading it fetches it from there later.
 */
final class BlobOrigins {
  private final Layout layout;

  BlobOrigins(Layout layout) {
    this.layout = layout;
  }

  void addOrigin(Digest digest, BlobOrigin origin) throws IOException {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(origin, "origin");
    if (origins(digest).contains(origin)) {
      return; // the common case, without taking any lock
    }
    if (!WriteAccess.writable(layout)) {
      return; // only a hint: a copy out of a store this process cannot write must not fail for it
    }
    // The lease orders this against gc; the origins lock makes read-add-write one step.
    try (ProcessLocks.Held lease = ProcessLocks.JVM.acquire(layout.leaseLock(), true);
        ProcessLocks.Held lock = ProcessLocks.JVM.acquire(layout.originsLock(), false)) {
      List<BlobOrigin> known = new ArrayList<>(origins(digest));
      if (known.contains(origin)) {
        return;
      }
      known.add(origin);
      StringBuilder text = new StringBuilder();
      for (BlobOrigin o : known) {
        text.append(o).append('\n');
      }
      Files.createDirectories(layout.origins());
      AtomicFiles.write(layout.origin(digest), text.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  List<BlobOrigin> origins(Digest digest) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(layout.origin(digest), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    List<BlobOrigin> result = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      try {
        BlobOrigin o = BlobOrigin.parse(line.strip());
        if (!result.contains(o)) {
          result.add(o);
        }
      } catch (IllegalArgumentException e) {
        // A line someone edited by hand: the other origins still help.
      }
    }
    return List.copyOf(result);
  }
}
