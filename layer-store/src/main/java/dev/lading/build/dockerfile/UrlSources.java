package dev.lading.build.dockerfile;

import dev.lading.digest.Digest;
import dev.lading.digest.DigestingOutputStream;
import dev.lading.dockerfile.Instruction;
import dev.lading.io.FileTrees;
import dev.lading.registry.RegistryClient;
import dev.lading.transfer.ImageTransfer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The http(s) sources of one ADD, downloaded as BuildKit does: with the registry client's network
 * settings (proxies, TLS, retries), to a file of mode 0600 whose time is the server's
 * {@code Last-Modified} (the epoch when it sends none, so that the layer does not depend on when
 * the build ran), never extracted. The step cache key names a download by its digest, so the
 * file is downloaded on every build to see whether it changed, unless ADD gives a
 * {@code --checksum}: then the key is the checksum, a cached step downloads nothing (an offline
 * rebuild works), and a download that does not match it fails the step.
 */
final class UrlSources implements AutoCloseable {
  private final ImageTransfer transfer;
  private final Path dir;
  private final Consumer<String> log;
  private final Map<String, Downloaded> done = new HashMap<>();

  private record Downloaded(Path file, Digest digest) {}

  UrlSources(ImageTransfer transfer, Path dir, Consumer<String> log) {
    this.transfer = transfer;
    this.dir = dir;
    this.log = log;
  }

  /** What the step cache key says of {@code url}: the checksum when given, else its digest. */
  String identity(String url, Optional<String> checksum, Instruction.Location at) throws IOException {
    return url + "\0" + (checksum.isPresent() ? checksum.get() : download(url, at).digest().toString());
  }

  /** The downloaded file of {@code url} (downloaded now if it was not yet), checked against {@code checksum}. */
  Path file(String url, Optional<String> checksum, Instruction.Location at) throws IOException {
    Downloaded got = download(url, at);
    if (checksum.isPresent() && !got.digest().toString().equals(checksum.get())) {
      throw new BuildException("line " + at.line() + ": ADD " + url + ": the download's digest is "
          + got.digest() + ", not the --checksum " + checksum.get() + "; the file changed, or the checksum is wrong");
    }
    return got.file();
  }

  /** The file name a URL's download gets in a destination directory: the last part of its path. */
  static String fileName(String url, Instruction.Location at) throws BuildException {
    String path = URI.create(url.replace(" ", "%20")).getPath();
    String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new BuildException("line " + at.line() + ": ADD " + url + ": the URL names no file; give the"
          + " destination's file name (a destination without a trailing /)");
    }
    return name;
  }

  private Downloaded download(String url, Instruction.Location at) throws IOException {
    Downloaded known = done.get(url);
    if (known != null) {
      return known;
    }
    Files.createDirectories(dir);
    Path file = dir.resolve("download-" + done.size());
    log.accept("downloading " + url);
    Instant modified;
    Digest digest;
    long size;
    try (RegistryClient.UrlDownload download = transfer.download(url);
        DigestingOutputStream out = new DigestingOutputStream(Files.newOutputStream(file))) {
      download.body().transferTo(out);
      modified = download.lastModified().orElse(Instant.EPOCH);
      digest = out.digest();
      size = out.count();
    } catch (IllegalArgumentException e) {
      throw new BuildException("line " + at.line() + ": ADD " + url + ": " + e.getMessage(), e);
    }
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.setLastModifiedTime(file, FileTime.from(modified));
    log.accept("downloaded " + url + " (" + size + " bytes, " + digest + ")");
    Downloaded got = new Downloaded(file, digest);
    done.put(url, got);
    return got;
  }

  @Override
  public void close() throws IOException {
    if (!done.isEmpty()) {
      FileTrees.deleteTree(dir);
    }
  }
}
