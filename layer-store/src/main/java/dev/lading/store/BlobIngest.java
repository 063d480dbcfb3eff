package dev.lading.store;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestMismatchException;
import dev.lading.io.AtomicFiles;
import dev.lading.model.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * The ways a blob enters the store: bytes, a file copied, a temp file adopted or hashed while it
 * grows, a hard link to another store's blob, a writer (fresh or resumable across processes). Each
 * verifies before the blob becomes visible and holds a lease against gc while it works.
 */
final class BlobIngest {
  private final Layout layout;

  BlobIngest(Layout layout) {
    this.layout = layout;
  }

  Digest put(byte[] content) throws IOException {
    Digest digest = Digest.of(content);
    if (Files.isRegularFile(layout.blob(digest))) {
      BlobWriter.touch(layout.blob(digest));
      return digest;
    }
    try (BlobWriter writer = writer(digest)) {
      writer.write(content);
      return writer.commit();
    }
  }

  Descriptor put(String mediaType, byte[] content) throws IOException {
    Objects.requireNonNull(mediaType, "mediaType");
    return Descriptor.of(mediaType, put(content), content.length);
  }

  Descriptor importFile(Path file, String mediaType) throws IOException {
    Objects.requireNonNull(mediaType, "mediaType");
    try (BlobWriter writer = writer(null); InputStream in = Files.newInputStream(file)) {
      in.transferTo(writer);
      long size = writer.position();
      return Descriptor.of(mediaType, writer.commit(), size);
    }
  }

  Descriptor adopt(Path file, Digest expected, String mediaType) throws IOException {
    Objects.requireNonNull(expected, "expected digest");
    Path source = file.toAbsolutePath().normalize();
    if (!source.startsWith(layout.tmp())
        || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException(file + " is not a file in the store's temp area " + layout.tmp());
    }
    // Under a lease, so gc cannot take the blob before the caller references it.
    try (ProcessLocks.Held lease = ProcessLocks.JVM.acquire(layout.leaseLock(), true)) {
      long size;
      Digest actual;
      try (FileChannel channel = FileChannel.open(source, StandardOpenOption.READ,
          StandardOpenOption.WRITE)) {
        size = channel.size();
        actual = Digest.of(Channels.newInputStream(channel));
        if (actual.equals(expected)) {
          channel.force(true);
        }
      }
      if (!actual.equals(expected)) {
        Files.deleteIfExists(source);
        throw new DigestMismatchException("blob", expected, actual);
      }
      // The file's time is that of its last chunk; publishing makes it now, for gc's grace.
      BlobWriter.publish(layout, source, actual);
      return Descriptor.of(mediaType, actual, size);
    }
  }

  HashingFile hashingFile(Path file) throws IOException {
    Path target = file.toAbsolutePath().normalize();
    if (!target.startsWith(layout.tmp()) || target.equals(layout.tmp())
        || Files.isSymbolicLink(target)) {
      throw new IllegalArgumentException(file + " is not a file in the store's temp area " + layout.tmp());
    }
    return HashingFile.open(layout, target);
  }

  boolean linkBlob(Path blob, Digest digest) throws IOException {
    Path target = layout.blob(digest);
    if (Files.isRegularFile(target)) {
      return true;
    }
    Files.createDirectories(layout.tmp());
    Files.createDirectories(target.getParent());
    Path temp = layout.tmp().resolve("link-" + digest.hex() + "-" + ProcessHandle.current().pid() + "-"
        + Thread.currentThread().getId());
    try (Lease lease = new Lease(ProcessLocks.JVM.acquire(layout.leaseLock(), true))) {
      try {
        Files.deleteIfExists(temp);
        Files.createLink(temp, blob);
      } catch (IOException | UnsupportedOperationException | SecurityException e) {
        return false;
      }
      AtomicFiles.move(temp, target);
      AtomicFiles.syncDirectory(target.getParent());
      BlobWriter.touch(target);
      return true;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  BlobWriter writer(Digest expectedOrNull) throws IOException {
    Files.createDirectories(layout.tmp());
    ProcessLocks.Held lease = ProcessLocks.JVM.acquire(layout.leaseLock(), true);
    return BlobWriter.fresh(layout, expectedOrNull, List.of(lease));
  }

  BlobWriter resumableWriter(Digest expected) throws IOException {
    Objects.requireNonNull(expected, "a resumable writer needs the expected digest");
    ProcessLocks.Held lease = ProcessLocks.JVM.acquire(layout.leaseLock(), true);
    ProcessLocks.Held ingest = null;
    try {
      ingest = ProcessLocks.JVM.acquire(layout.ingestLock(expected), false);
      return BlobWriter.resume(layout, expected, List.of(lease, ingest));
    } catch (IOException | RuntimeException e) {
      if (ingest != null) {
        ingest.close();
      }
      lease.close();
      throw e;
    }
  }
}
