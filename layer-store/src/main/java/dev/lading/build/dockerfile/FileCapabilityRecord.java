package dev.lading.build.dockerfile;

import dev.lading.dockerfile.Instruction;
import dev.lading.exec.FileCapabilities;
import dev.lading.exec.ImageUser;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Puts the file capabilities a RUN step set (what the image's {@code getcap -r} printed inside the
 * step's fakeroot session, see {@link RunInstructions#withCapabilityQuery}) into the stage's
 * ownership map, from which the step's layer writes them: fakeroot's daemon held them in memory only.
 * A file that was not in the map's view of the step (gone, or not a regular file) is left alone.
 *
 * <p>faked records a file it has not seen when setcap sets its attribute, with the owner the file
 * has on disk, i.e. the building user's (a new file made by {@code cp} then belongs to 65534 as a
 * build by nobody sees it): for a file the step made, that owner is taken for the step user's, as a
 * container would have made it; a deliberate chown to the building user's own ids before the setcap
 * is not told apart.
 */
final class FileCapabilityRecord {
  /** A marker no command prints by chance: the query's lines are read, not shown. */
  private final String marker =
      "lading-capability-" + Long.toHexString(new java.security.SecureRandom().nextLong());
  private final List<String> getcapLines = new ArrayList<>();
  private final boolean ifScriptsCallSetcap;

  private FileCapabilityRecord(boolean ifScriptsCallSetcap) {
    this.ifScriptsCallSetcap = ifScriptsCallSetcap;
  }

  /**
   * The record for a step that calls setcap, or that installs packages (then the query runs only
   * when a maintainer script names setcap); else null.
   */
  static FileCapabilityRecord forStep(Instruction.Run r) {
    return RunInstructions.setsCapabilities(r) ? new FileCapabilityRecord(false)
        : RunInstructions.installsPackages(r) ? new FileCapabilityRecord(true) : null;
  }

  /** The step's command followed by the query. */
  List<String> command(List<String> argv) {
    return RunInstructions.withCapabilityQuery(argv, marker, ifScriptsCallSetcap);
  }

  /** Whether {@code line} of the step's output is the query's (kept here, not shown). */
  boolean take(String line) {
    if (!line.startsWith(marker + " ")) {
      return false;
    }
    getcapLines.add(line.substring(marker.length() + 1));
    return true;
  }

  /**
   * Puts what the query printed into the ownership map at {@code ownershipFile}; {@code before} is
   * the map before the step and {@code user} the step's user.
   */
  void apply(Path rootfs, Path ownershipFile, OwnershipMap before, ImageUser user, Consumer<String> log)
      throws IOException {
    if (getcapLines.isEmpty()) {
      return;
    }
    OwnershipMap map = OwnershipMap.load(ownershipFile);
    TreeMap<String, Ownership> entries = new TreeMap<>(map.entries());
    List<String> kept = new ArrayList<>();
    for (String line : getcapLines) {
      Optional<FileCapabilities.Line> parsed;
      try {
        parsed = FileCapabilities.parseGetcapLine(line, path -> isFile(rootfs, entries, path));
      } catch (IllegalArgumentException e) {
        parsed = Optional.empty();
      }
      if (parsed.isEmpty()) {
        log.accept("file capabilities not kept: getcap printed a line naming no file of the step that"
            + " Lading can read: " + line);
        continue;
      }
      String path = parsed.get().path();
      Ownership was = entries.get(path);
      Ownership now = was.withCapability(parsed.get().capability());
      if (!before.entries().containsKey(path) && was.uid() == BUILDER_UID && was.gid() == BUILDER_GID
          && BUILDER_UID != 0) {
        now = new Ownership(now.type(), now.mode(), user.uid(), user.gid(), 0, 0, now.capability());
      }
      if (!now.equals(was)) {
        entries.put(path, now);
        kept.add(line);
      }
    }
    if (!kept.isEmpty()) {
      new OwnershipMap(OwnershipMap.VERSION, entries).saveTemporary(ownershipFile);
      log.accept("file capabilities kept: " + String.join(", ", kept));
    }
  }

  private static final long BUILDER_UID = id("unix:uid");
  private static final long BUILDER_GID = id("unix:gid");

  private static long id(String attribute) {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), attribute)).longValue();
    } catch (IOException | RuntimeException e) {
      return 0; // unknown: taken for root, and the owners are left as faked recorded them
    }
  }

  private static boolean isFile(Path rootfs, java.util.Map<String, Ownership> entries, String path) {
    Ownership o = entries.get(path);
    return path.startsWith("/") && o != null && o.type() == Kind.FILE
        && Files.isRegularFile(rootfs.resolve(path.substring(1)), LinkOption.NOFOLLOW_LINKS);
  }
}
