package dev.lading.build.dockerfile;

import dev.lading.dockerfile.Instruction.CacheMount;
import dev.lading.exec.HostRootedLinks;
import dev.lading.exec.RunSpec;
import dev.lading.io.FileTrees;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Ownership;
import dev.lading.layer.RootPaths;
import dev.lading.store.CacheLock;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The directories of {@code RUN --mount=type=cache} (kept in the store, taken per their sharing by
 * {@link CacheEntries}) seen at the mount's target while a step runs, and never part of its layer.
 * An executor that binds (proot) shows the directory at the target; for one that cannot
 * (fakechroot) the directory is renamed into the root for the step and
 * back afterwards, the image's own directory at the target moved aside meanwhile. A file
 * {@code away} names where the directory is while it is in a root, so that a build killed during the
 * step loses nothing: the next user of the cache moves it back ({@link LentCaches}).
 *
 * <p>A step's bind and tmpfs mounts go through the same {@link Mounted}: their content is the
 * step's own (a copy, an empty directory), so it is always moved in, and dropped afterwards.
 */
final class CacheMounts {
  private final CacheEntries entries;
  private final Path work;
  private int temporaries;

  /** Mounts kept in {@code store}; temporary directories go into {@code work}. */
  CacheMounts(Store store, Path work, Consumer<String> log) {
    this.entries = new CacheEntries(store, this::newTemporary, log);
    this.work = work;
  }

  /**
   * Makes {@code mounts} visible in {@code rootfs} for one step; closing the result undoes it.
   *
   * @param workdir the step's working directory (relative targets are under it, as in BuildKit)
   * @param binds whether the executor binds; if not, directories are moved into the root
   * @param ownership the stage's ownership map file, given the cache's owner and mode for the step
   */
  Mounted mount(List<CacheMount> mounts, Path rootfs, String workdir, boolean binds, Path ownership)
      throws IOException {
    Mounted mounted = start(rootfs, ownership);
    try {
      for (CacheMount m : mounts) {
        mounted.add(m, workdir, binds, null);
      }
      return mounted;
    } catch (IOException | RuntimeException e) {
      mounted.close();
      throw e;
    }
  }

  /** An empty set of mounts for one step in {@code rootfs}; see {@link #mount}. */
  Mounted start(Path rootfs, Path ownership) {
    return new Mounted(rootfs, ownership);
  }

  /** The mounts of one step. */
  final class Mounted implements AutoCloseable {
    private final Path rootfs;
    private final Path ownership;
    private final List<One> ones = new ArrayList<>();
    private final List<RunSpec.Bind> binds = new ArrayList<>();

    private Mounted(Path rootfs, Path ownership) {
      this.rootfs = rootfs;
      this.ownership = ownership;
    }

    /** What the executor binds (empty when the directories were moved in). */
    List<RunSpec.Bind> binds() {
      return Collections.unmodifiableList(binds);
    }

    /** The in-image paths of the targets, symlinks resolved: nothing under them goes in the layer. */
    List<String> targets() {
      return ones.stream().map(o -> o.target).toList();
    }

    /**
     * Adds cache mount {@code m}.
     *
     * @param bind whether the executor binds; if not, the directory is moved into the root
     * @param seed what a new cache starts as ({@code from=}), null for an empty directory
     */
    void add(CacheMount m, String workdir, boolean bind, CacheEntries.Seed seed) throws IOException {
      One one = start(m.target(), workdir);
      one.host = RootPaths.directory(rootfs, one.path, one.created::add);
      one.target = "/" + rootfs.relativize(one.host);
      if (one.target.equals("/")) {
        throw new BuildException("RUN --mount=type=cache,target=" + m.target()
            + ": the target is the root of the image; name a directory");
      }
      String entry = CacheEntries.entryName(m, seed);
      for (One other : ones) {
        if (entry.equals(other.entry)) {
          // The second would wait for the lock the first holds.
          throw new BuildException("RUN --mount=type=cache: two mounts of one step use the cache "
              + m.cacheId() + "; give each its own id=");
        }
      }
      one.entry = entry;
      CacheEntries.Taken taken = entries.take(m, entry, bind, seed);
      one.data = taken.data();
      one.journal = taken.journal();
      one.source = taken.source();
      one.temporary = taken.temporary();
      one.lock = taken.lock();
      recordOwner(one, m);
      if (bind) {
        binds.add(new RunSpec.Bind(one.source, one.target));
      } else {
        moveIn(one);
      }
    }

    /**
     * Shows {@code content}, a file or directory that is the step's own (a bind mount's copy of its
     * source, a tmpfs mount's empty directory, made in {@link #temporary}), at {@code target} for the
     * step, with the owners and modes {@code owners} gives (keys relative to {@code content}: "" for
     * itself, "/x" below it). It is moved into the root whatever the executor, and dropped afterwards.
     */
    void addCopy(Path content, String target, String workdir, Map<String, Ownership> owners)
        throws IOException {
      One one = start(target, workdir);
      if (Files.isDirectory(content, LinkOption.NOFOLLOW_LINKS)) {
        one.host = RootPaths.directory(rootfs, one.path, one.created::add);
        one.target = "/" + rootfs.relativize(one.host);
        if (one.target.equals("/")) {
          throw new BuildException("RUN --mount,target=" + target + ": the target is the root of the image;"
              + " name a directory");
        }
      } else {
        placeFile(one);
      }
      one.source = content;
      one.temporary = true;
      showOwners(one, owners);
      moveIn(one);
    }

    /**
     * Shows {@code socket} (an ssh agent's) at {@code target} for the step: bound there by an
     * executor that binds; else a symbolic link to it is moved in (fakechroot hands the kernel the
     * link's path in the root, and the kernel follows it to the socket). Removed afterwards.
     */
    void addSocket(Path socket, String target, String workdir, boolean bind) throws IOException {
      One one = start(target, workdir);
      placeFile(one);
      if (bind) {
        binds.add(new RunSpec.Bind(socket, one.target));
        return;
      }
      Path link = newTemporary("ssh-");
      Files.createSymbolicLink(link, socket.toAbsolutePath());
      one.source = link;
      one.temporary = true;
      moveIn(one);
    }

    /** The host path of a file target, its directory made (and noted, to be removed) when missing. */
    private void placeFile(One one) throws IOException {
      int slash = one.path.lastIndexOf('/');
      String name = one.path.substring(slash + 1);
      if (name.isEmpty() || name.equals(".") || name.equals("..")) {
        throw new BuildException("RUN --mount,target=" + one.path + ": name a file");
      }
      Path parent = RootPaths.directory(rootfs, slash <= 0 ? "/" : one.path.substring(0, slash), one.created::add);
      one.host = parent.resolve(name);
      one.target = "/" + rootfs.relativize(one.host);
    }

    /** A new place for the content of {@link #addCopy}: a path in a new, empty directory of its own. */
    Path temporary(String prefix) throws IOException {
      return newTemporary(prefix);
    }

    /**
     * Begins a mount at {@code target}: notes the times of the directories on the way to it (renames
     * and mount points change them, and the diff must find no change there).
     */
    private One start(String target, String workdir) throws IOException {
      String path = target.startsWith("/") ? target : DockerfileBuild.join(workdir, target);
      // The step makes its working directory anyway (as Docker does); it is no mount point to remove.
      RootPaths.directory(rootfs, workdir, created -> {});
      One one = new One();
      ones.add(one);
      one.path = path;
      one.created = new ArrayList<>();
      String prefix = "";
      one.times.put(rootfs, Files.getLastModifiedTime(rootfs));
      for (String part : path.split("/")) {
        if (part.isEmpty()) {
          continue;
        }
        prefix += "/" + part;
        Optional<Path> existing = RootPaths.resolve(rootfs, prefix);
        if (existing.isPresent() && Files.isDirectory(existing.get(), LinkOption.NOFOLLOW_LINKS)) {
          one.times.put(existing.get(), Files.getLastModifiedTime(existing.get(), LinkOption.NOFOLLOW_LINKS));
        }
      }
      return one;
    }

    /** Records the cache directory's intended owner and mode for the step (fakeroot shows them). */
    private void recordOwner(One one, CacheMount m) throws IOException {
      int mode = m.mode().map(s -> Integer.parseInt(s, 8)).orElse(0755);
      showOwners(one, Map.of("", Ownership.of(OwnershipMap.Kind.DIRECTORY, 040000 | mode,
          Long.parseLong(m.uid().orElse("0")), Long.parseLong(m.gid().orElse("0")), 0, 0)));
    }

    /**
     * Records for the step the owners and modes of what it sees at the target ({@code owners}, keys
     * relative to it: "" for itself): the image's files there are not what the step sees
     * (restoreOwners puts them back afterwards).
     */
    private void showOwners(One one, Map<String, Ownership> owners) throws IOException {
      if (ownership == null || !Files.exists(ownership)) {
        return;
      }
      OwnershipMap map = OwnershipMap.load(ownership);
      TreeMap<String, Ownership> entries = new TreeMap<>(map.entries());
      entries.keySet().removeIf(k -> k.equals(one.target) || k.startsWith(one.target + "/"));
      owners.forEach((rel, o) -> entries.put(one.target + rel, o));
      new OwnershipMap(map.version(), entries).saveTemporary(ownership);
    }

    /** Renames the image's directory aside and the cache's into its place, noting where it went. */
    private void moveIn(One one) throws IOException {
      if (Files.exists(one.host, LinkOption.NOFOLLOW_LINKS)) {
        one.aside = newTemporary("aside-");
        Files.move(one.host, one.aside, StandardCopyOption.ATOMIC_MOVE);
      }
      if (!one.temporary) {
        LentCaches.lend(one.journal, one.host, rootfs);
      }
      try {
        Files.move(one.source, one.host, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (one.aside != null) {
          Files.move(one.aside, one.host, StandardCopyOption.ATOMIC_MOVE);
          one.aside = null;
        }
        if (one.journal != null) {
          Files.deleteIfExists(one.journal);
        }
        throw new IOException("cannot move the cache directory into the root (the store's cache and the build's work"
            + " directory must be on one file system: unset LADING_WORK_DIR or --work-dir): " + e.getMessage(), e);
      }
      one.movedIn = true;
      if (Files.isDirectory(one.host, LinkOption.NOFOLLOW_LINKS)) {
        // Only fakechroot's steps get directories moved in; the kernel follows their links from /.
        HostRootedLinks.rootUnder(one.host, rootfs);
      }
    }

    /**
     * Moves the caches back (a target the step replaced or removed leaves an empty cache), puts the
     * image's directories back, removes the directories made only to mount on, drops temporary
     * directories and locks, and gives the targets their owners from before the step.
     */
    @Override
    public void close() throws IOException {
      IOException failure = null;
      for (int i = ones.size() - 1; i >= 0; i--) {
        One one = ones.get(i);
        try {
          if (one.movedIn) {
            if (Files.isDirectory(one.host, LinkOption.NOFOLLOW_LINKS)) {
              if (!one.temporary) {
                HostRootedLinks.unrootUnder(one.host, rootfs);
              }
              Files.move(one.host, one.source, StandardCopyOption.ATOMIC_MOVE);
            } else {
              FileTrees.deleteTree(one.host);
              Files.createDirectories(one.source);
            }
            one.movedIn = false;
            if (one.journal != null) {
              Files.deleteIfExists(one.journal);
            }
          }
          if (one.aside != null) {
            FileTrees.deleteTree(one.host);
            Files.move(one.aside, one.host, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.deleteTree(one.aside.getParent());
            one.aside = null;
          }
          for (int c = one.created.size() - 1; c >= 0; c--) {
            Path stub = one.created.get(c);
            if (Files.isDirectory(stub, LinkOption.NOFOLLOW_LINKS)) {
              try (var entries = Files.list(stub)) {
                if (entries.findAny().isEmpty()) {
                  Files.delete(stub);
                }
              }
            }
          }
          for (Map.Entry<Path, FileTime> time : one.times.entrySet()) {
            if (Files.isDirectory(time.getKey(), LinkOption.NOFOLLOW_LINKS)) {
              Files.setLastModifiedTime(time.getKey(), time.getValue());
            }
          }
          if (one.temporary && one.source != null) {
            FileTrees.deleteTree(one.source.getParent());
          }
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        } finally {
          if (one.lock != null) {
            one.lock.close();
            one.lock = null;
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  /**
   * The stage's ownership map with nothing under the targets but what the image had there before
   * the step: the step's view of the cache is not the image's.
   */
  static void restoreOwners(Path ownership, OwnershipMap before, List<String> targets)
      throws IOException {
    if (ownership == null || !Files.exists(ownership) || targets.isEmpty()) {
      return;
    }
    TreeMap<String, Ownership> entries = new TreeMap<>(OwnershipMap.load(ownership).entries());
    for (String target : targets) {
      entries.keySet().removeIf(k -> k.equals(target) || k.startsWith(target + "/"));
      before.entries().forEach((k, v) -> {
        if (k.equals(target) || k.startsWith(target + "/")) {
          entries.put(k, v);
        }
      });
    }
    new OwnershipMap(before.version(), entries).saveTemporary(ownership);
  }

  /** Where a cache directory is while a step runs, and what to undo. */
  private static final class One {
    String entry;
    /** The target as an in-image path, symlinks not yet resolved. */
    String path;
    String target;
    Path host;
    Path data;
    Path journal;
    Path source;
    Path aside;
    boolean temporary;
    boolean movedIn;
    List<Path> created;
    /** Directories on the way to the target and their times before the mount. */
    final Map<Path, FileTime> times = new java.util.LinkedHashMap<>();
    CacheLock lock;
  }

  private Path newTemporary(String prefix) throws IOException {
    Path dir = Files.createDirectories(work.resolve("mounts")).resolve(prefix + (++temporaries));
    Files.createDirectories(dir);
    return dir.resolve("dir");
  }

}
