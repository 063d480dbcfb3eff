package dev.lading.exec;

import dev.lading.layer.RootfsSnapshot;
import dev.lading.model.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The chowns of a step under plain proot, where no libfakeroot loads into the image's programs (musl
 * and static images, another machine's under qemu): {@code owner-log.c}, built with Lading for the
 * host's architecture and, where a cross compiler was at hand, for the other one of x86_64 and aarch64, is
 * preloaded into them and appends the device, inode and ids of each chown to a log outside the
 * root, which proot shows the step at {@link #DIR}. A file's owners belong to its inode, so the
 * tree read after the step tells which paths (all of a hardlink's) they go to, also for a file
 * renamed after its chown. Programs that are static, or call the kernel without their C library,
 * go unrecorded, as with fakeroot.
 */
final class OwnerLog implements AutoCloseable {
  /** Where the step's programs see the library and the log. */
  static final String DIR = "/.lading-owner-log";
  static final String LIBRARY = "libowner-log.so";
  static final String LOG = "chowns";

  /** The library by architecture ({@code uname -m}'s names), as read from the jar. */
  private static final Map<String, Optional<byte[]>> LIBRARIES = new java.util.concurrent.ConcurrentHashMap<>();

  private final Path dir;

  private OwnerLog(Path dir) {
    this.dir = dir;
  }

  /** This machine's architecture as {@code uname -m} (and qemu) names it: x86_64, aarch64. */
  static String hostArchitecture() {
    return Emulation.qemuArchitecture(Platform.current().architecture());
  }

  /**
   * The library for programs of {@code architecture} ({@code uname -m}'s name: an emulated image's
   * programs need theirs), empty when this Lading was built without it.
   */
  static Optional<byte[]> library(String architecture) {
    return LIBRARIES.computeIfAbsent(architecture, arch -> {
      try (InputStream in = OwnerLog.class.getResourceAsStream("native/" + arch + "/" + LIBRARY)) {
        return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /**
   * A new directory in {@code workDir} holding the library for programs of {@code architecture} and
   * an empty log; null without such a library.
   */
  static OwnerLog create(Path workDir, String architecture) throws IOException {
    Optional<byte[]> bytes = library(architecture);
    if (bytes.isEmpty()) {
      return null;
    }
    Path dir = Files.createTempDirectory(workDir, ".owner-log-");
    try {
      Files.write(dir.resolve(LIBRARY), bytes.get());
      Files.createFile(dir.resolve(LOG), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      return new OwnerLog(dir);
    } catch (IOException | RuntimeException e) {
      delete(dir);
      throw e;
    }
  }

  /** The host directory proot binds at {@link #DIR}. */
  Path directory() {
    return dir;
  }

  /** The image-side path of the library, for LD_PRELOAD. */
  static final String PRELOAD = DIR + "/" + LIBRARY;

  /** The variable that names the log to the library, and its value: the log's image-side path. */
  static final String LOG_VARIABLE = "LADING_OWNER_LOG";
  static final String LOG_PATH = DIR + "/" + LOG;

  /**
   * The ids each inode was chowned to, the later chown of an inode winning per id; -1 for an id no
   * chown changed.
   */
  Map<RootfsSnapshot.Inode, long[]> chowns() throws IOException {
    Map<RootfsSnapshot.Inode, long[]> out = new HashMap<>();
    List<String> lines = Files.readAllLines(dir.resolve(LOG), StandardCharsets.US_ASCII);
    for (String line : lines) {
      String[] f = line.split(" ");
      if (f.length != 4) {
        continue; // a line cut short by a process killed mid-write
      }
      try {
        long[] ids = out.computeIfAbsent(RootfsSnapshot.inode(Long.parseLong(f[0]), Long.parseLong(f[1])),
            k -> new long[] {-1, -1});
        long uid = Long.parseLong(f[2]);
        long gid = Long.parseLong(f[3]);
        ids[0] = uid >= 0 ? uid : ids[0];
        ids[1] = gid >= 0 ? gid : ids[1];
      } catch (NumberFormatException e) {
        // likewise
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    delete(dir);
  }

  private static void delete(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(LIBRARY));
    Files.deleteIfExists(dir.resolve(LOG));
    Files.deleteIfExists(dir);
  }
}
