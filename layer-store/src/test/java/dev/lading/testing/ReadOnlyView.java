package dev.lading.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A directory this process really cannot write, for tests of readers without write access. Root is
 * not stopped by permission bits, so as root it is a read-only bind mount of the directory (the OS
 * answers EROFS); otherwise the directory itself with every write bit cleared (EACCES). Close it to
 * unmount or to give the owner write access back.
 */
public final class ReadOnlyView implements AutoCloseable {
  private final Path dir;
  private final Path mount;

  private ReadOnlyView(Path dir, Path mount) {
    this.dir = dir;
    this.mount = mount;
  }

  /** True when this process runs as root. */
  public static boolean root() throws IOException {
    return (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
  }

  /** A read-only bind mount of {@code dir} as root (at {@code mountPoint}), else {@code dir} chmod a-w. */
  public static ReadOnlyView of(Path dir, Path mountPoint) throws IOException {
    return root() ? bindMount(dir, mountPoint) : unwritable(dir);
  }

  /**
   * A read-only bind mount of {@code dir} at {@code mountPoint}. Skips the test when not root; as
   * root, a mount refused (a container without CAP_SYS_ADMIN) fails it in CI.
   */
  public static ReadOnlyView bindMount(Path dir, Path mountPoint) throws IOException {
    Assumptions.assumeTrue(root(), "a read-only bind mount needs root");
    Files.createDirectories(mountPoint);
    Processes.Result bind = Processes.run(List.of("mount", "--bind", dir.toString(),
        mountPoint.toString()), 30);
    RequiredTool.requireThat(bind.exitCode() == 0, "cannot bind-mount (needs CAP_SYS_ADMIN): "
        + bind.output());
    ReadOnlyView view = new ReadOnlyView(dir, mountPoint);
    Processes.Result ro = Processes.run(List.of("mount", "-o", "remount,ro,bind",
        mountPoint.toString()), 30);
    if (ro.exitCode() != 0) {
      view.close();
      RequiredTool.requireThat(false, "cannot remount read-only: " + ro.output());
    }
    return view;
  }

  /** {@code dir} with the write bits of it and everything in it cleared. */
  public static ReadOnlyView unwritable(Path dir) throws IOException {
    ReadOnlyView view = new ReadOnlyView(dir, null);
    view.forEach(dir, perms -> perms.removeAll(Set.of(PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE)));
    return view;
  }

  /** Where to read the directory: the mount point, or the directory itself. */
  public Path path() {
    return mount != null ? mount : dir;
  }

  /** True for a read-only mount (writes fail with EROFS), false for cleared write bits (EACCES). */
  public boolean mounted() {
    return mount != null;
  }

  @Override
  public void close() throws IOException {
    if (mount != null) {
      Processes.check(List.of("umount", mount.toString()), 30);
    } else {
      forEach(dir, perms -> perms.add(PosixFilePermission.OWNER_WRITE));
    }
  }

  private interface PermissionChange {
    void apply(Set<PosixFilePermission> perms);
  }

  private void forEach(Path root, PermissionChange change) throws IOException {
    List<Path> all;
    try (Stream<Path> paths = Files.walk(root)) {
      all = paths.filter(p -> !Files.isSymbolicLink(p)).toList();
    }
    for (Path p : all) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      change.apply(perms);
      Files.setPosixFilePermissions(p, perms);
    }
  }
}
