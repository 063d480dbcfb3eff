package dev.lading.cli;

import dev.lading.build.dockerfile.BuildCaches;
import dev.lading.io.ByteSize;
import dev.lading.store.FsckReport;
import dev.lading.store.GcReport;
import dev.lading.store.Store;
import dev.lading.store.StoreUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lading store ls|fsck|gc}: look after the store. */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = "List, check, clean, seed and move the store.",
    subcommands = {StoreCommand.Ls.class, StoreCommand.Fsck.class, StoreCommand.Gc.class,
        StoreCommand.PruneCache.class, StoreSeedCommand.class, StoreExportCommand.class,
        StoreImportCommand.class})
final class StoreCommand {

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = "List the named images in the store (least recently used first): digest, the"
          + " bytes of the blobs each keeps, last use, name; then where the store's bytes are.")
  static final class Ls implements Callable<Integer> {
    @Mixin GlobalOptions global;

    @Option(names = "--tags", description = "Also list the repository tags of the registry mirror"
        + " (as repository:tag).")
    boolean tags;

    @Override
    public Integer call() throws Exception {
      Optional<Store> existing = global.openExistingStore();
      if (existing.isEmpty()) {
        System.err.println("lading: " + global.noStore());
        return 0;
      }
      Store store = existing.get();
      StoreUsage usage = store.usage();
      Instant now = Instant.now();
      for (StoreUsage.Image i : usage.images()) {
        if (tags || !i.image().tag()) {
          System.out.printf("%s  %9s  %-10s %s%n", i.image().target().digest().shortHex(),
              Sizes.human(i.bytes()), ago(i.image().lastUse(), now), i.image().name());
        }
      }
      int named = usage.images().size();
      System.out.println((named == 1 ? "1 image or tag; " : named + " images and tags; ")
          + usage.blobs() + " blobs "
          + Sizes.human(usage.blobBytes()) + (usage.unreferencedBytes() == 0 ? ""
          : " (" + Sizes.human(usage.unreferencedBytes()) + " unreferenced)")
          + (usage.partials() == 0 ? "" : ", " + usage.partials() + " partial downloads "
          + Sizes.human(usage.partialBytes()) + " (`lading store gc --grace 0s` removes them)")
          + ", other " + Sizes.human(usage.otherBytes()) + ": total "
          + Sizes.human(usage.totalBytes()) + " in " + store.root());
      return 0;
    }

    /** How long ago, coarsely: the order matters for eviction, not the second. */
    static String ago(Instant then, Instant now) {
      Duration d = Duration.between(then, now);
      if (d.isNegative() || d.toMinutes() < 1) {
        return "now";
      }
      if (d.toHours() < 1) {
        return d.toMinutes() + "m ago";
      }
      if (d.toDays() < 2) {
        return d.toHours() + "h ago";
      }
      return d.toDays() + "d ago";
    }
  }

  @Command(name = "fsck", mixinStandardHelpOptions = true,
      description = "Re-hash every blob; move corrupt ones to quarantine; report incomplete images."
          + " A store this user cannot write (read-only, another user's) is only checked."
          + " Exits 1 when anything was wrong.")
  static final class Fsck implements Callable<Integer> {
    @Mixin GlobalOptions global;

    @Override
    public Integer call() throws Exception {
      Optional<Store> existing = global.openExistingStore();
      if (existing.isEmpty()) {
        System.out.println(global.noStore() + ": nothing to check");
        return 0;
      }
      Store store = existing.get();
      FsckReport report = store.fsck();
      if (!report.repaired()) {
        System.out.println("checking only: this user cannot write " + store.root()
            + " (nothing is moved, deleted or rewritten)");
      }
      for (FsckReport.Quarantined q : report.quarantined()) {
        System.out.println("corrupt: " + q.name() + " (content hashes to " + q.actual() + ")"
            + (q.movedTo() != null ? ", moved to " + q.movedTo() : ""));
      }
      for (FsckReport.QuarantinedTag t : report.quarantinedTags()) {
        System.out.println("corrupt tag: " + t.repository() + ":" + t.tag() + " (" + t.reason() + ")"
            + (t.movedTo() != null ? ", moved to " + t.movedTo() + "; set the tag again" : ""));
      }
      for (FsckReport.Missing m : report.missing()) {
        System.out.println("incomplete: " + m.ref() + " needs " + m.digest() + ": " + m.reason());
      }
      if (!report.lazy().isEmpty()) {
        // Not a problem: builds reference base layers without downloading them until needed.
        Set<String> origins = new LinkedHashSet<>();
        report.lazy().forEach(l -> origins.add(l.origins().get(0).toString()));
        System.out.println(report.lazy().size() + " base layers not fetched (available from "
            + String.join(", ", origins) + ")");
      }
      if (!report.removedTempFiles().isEmpty()) {
        System.out.println("removed " + report.removedTempFiles().size() + " stale temp files");
      }
      if (report.indexRepaired()) {
        System.out.println("index.json did not match the refs" + (report.repaired() ? " and was rewritten"
            : "; an fsck by a user who can write the store rewrites it"));
      }
      System.out.println((report.clean() ? "clean: " : "problems found: ") + report.blobsChecked()
          + " blobs, " + Sizes.human(report.bytesChecked()) + " checked"
          + (report.clean() ? "" : "; copy the affected images again to repair them"));
      return report.clean() ? 0 : Failures.FAILED;
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = "Delete blobs no named image or tag needs and partial downloads (younger ones"
          + " are kept, see --grace), and temp files and upload sessions idle for over an hour."
          + " With --max-size, then evict the least recently used images until the store fits.")
  static final class Gc implements Callable<Integer> {
    @Mixin GlobalOptions global;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "10m",
        converter = DurationConverter.class,
        description = "Keep unreferenced blobs, partial downloads and (with --max-size) images used"
            + " more recently than this: 90s, 10m, 2h, 1d or ISO-8601 (default ${DEFAULT-VALUE}; 0s"
            + " removes every unreferenced blob).")
    Duration grace;

    @Option(names = "--max-size", paramLabel = "SIZE",
        description = "Cap the store's size (e.g. 5g; binary units): partial downloads go first,"
            + " then the least recently used images with the blobs only they need, then build"
            + " caches not in use. Images used within --grace stay.")
    String maxSize;

    @Override
    public Integer call() throws Exception {
      long cap = maxSize == null ? Long.MAX_VALUE : ByteSize.parse(maxSize);
      Store store = global.openStore();
      GcReport report = store.gc(grace, cap);
      // Abandoned upload sessions and temp files of killed writers: never blobs, but disk all the same.
      int stale = store.removeStaleTempFiles(Store.DEFAULT_TEMP_MAX_AGE).size();
      long size = report.sizeAfter();
      String caches = "";
      if (report.overCap()) {
        BuildCaches.Pruned pruned = BuildCaches.prune(store, null);
        if (!pruned.removed().isEmpty()) {
          size = store.usage().totalBytes();
          caches = "; removed " + pruned.removed().size() + " build caches ("
              + Sizes.human(pruned.bytes()) + ")";
        }
      }
      System.out.println("removed " + report.removed().size() + " blobs ("
          + Sizes.human(report.bytesRemoved()) + "); kept " + report.referenced() + " referenced and "
          + report.keptYoung() + " recent" + (report.originsRemoved() == 0 ? ""
          : "; dropped " + report.originsRemoved() + " origin records of blobs no image needs")
          + (report.partialsRemoved() == 0 ? "" : "; removed " + report.partialsRemoved()
          + " partial downloads (" + Sizes.human(report.partialBytesRemoved()) + ")")
          + (stale == 0 ? "" : "; removed " + stale + " stale temp files and upload sessions (idle"
          + " over " + Store.DEFAULT_TEMP_MAX_AGE.toMinutes() + " min)"));
      if (cap < Long.MAX_VALUE) {
        for (String name : report.evicted()) {
          System.out.println("evicted " + name);
        }
        System.out.println("store " + Sizes.human(size) + (size > cap
            ? ", still over the cap of " + Sizes.human(cap) + ": what is left was used within "
            + grace.toMinutes() + " min (--grace) or is in use" : ", cap " + Sizes.human(cap))
            + "; evicted " + report.evicted().size() + " images" + caches);
      }
      return 0;
    }
  }

  @Command(name = "prune-cache", mixinStandardHelpOptions = true,
      description = "Delete the directories of RUN --mount=type=cache (all, or one --id); a cache a"
          + " running build uses is kept.")
  static final class PruneCache implements Callable<Integer> {
    @Mixin GlobalOptions global;

    @Option(names = "--id", paramLabel = "ID",
        description = "Only this cache: its id= (or its target when the mount names no id).")
    String id;

    @Override
    public Integer call() throws Exception {
      BuildCaches.Pruned pruned = BuildCaches.prune(global.openStore(), id);
      System.out.println("removed " + pruned.removed().size() + " build caches ("
          + Sizes.human(pruned.bytes()) + ")" + (pruned.inUse().isEmpty() ? ""
          : "; kept " + pruned.inUse().size() + " in use: " + String.join(", ", pruned.inUse())));
      return 0;
    }
  }
}
