package dev.lading.cli;

import dev.lading.build.dockerfile.BuildCaches;
import dev.lading.model.Descriptor;
import dev.lading.store.FsckReport;
import dev.lading.store.GcReport;
import dev.lading.store.Store;
import dev.lading.store.StoreRef;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lading store ls|fsck|gc}: look after the store. */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = "List, check and clean the store.",
    subcommands = {StoreCommand.Ls.class, StoreCommand.Fsck.class, StoreCommand.Gc.class,
        StoreCommand.PruneCache.class, StoreExportCommand.class, StoreImportCommand.class})
final class StoreCommand {

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = "List the named images in the store: digest, media type, size, name.")
  static final class Ls implements Callable<Integer> {
    @Mixin GlobalOptions global;

    @Option(names = "--tags", description = "Also list the repository tags of the registry mirror"
        + " (as repository:tag, after the named images).")
    boolean tags;

    @Override
    public Integer call() throws Exception {
      Store store = global.openStore();
      for (StoreRef ref : store.refs()) {
        print(ref.descriptor(), ref.name());
      }
      if (tags) {
        for (String repository : store.repositories()) {
          for (String tag : store.tags(repository)) {
            // A tag deleted between listing and reading is simply not shown.
            store.tag(repository, tag).ifPresent(d -> print(d, repository + ":" + tag));
          }
        }
      }
      return 0;
    }

    private static void print(Descriptor d, String name) {
      System.out.printf("%s  %-52s %8s  %s%n", d.digest().shortHex(), d.mediaType(),
          Sizes.human(d.size()), name);
    }
  }

  @Command(name = "fsck", mixinStandardHelpOptions = true,
      description = "Re-hash every blob; move corrupt ones to quarantine; report incomplete images."
          + " Exits 1 when anything was wrong.")
  static final class Fsck implements Callable<Integer> {
    @Mixin GlobalOptions global;

    @Override
    public Integer call() throws Exception {
      Store store = global.openStore();
      FsckReport report = store.fsck();
      for (FsckReport.Quarantined q : report.quarantined()) {
        System.out.println("corrupt: " + q.name() + " (content hashes to " + q.actual()
            + "), moved to " + q.movedTo());
      }
      for (FsckReport.QuarantinedTag t : report.quarantinedTags()) {
        System.out.println("corrupt tag: " + t.repository() + ":" + t.tag() + " (" + t.reason()
            + "), moved to " + t.movedTo() + "; set the tag again");
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
        System.out.println("index.json did not match the refs and was rewritten");
      }
      System.out.println((report.clean() ? "clean: " : "problems found: ") + report.blobsChecked()
          + " blobs, " + Sizes.human(report.bytesChecked()) + " checked"
          + (report.clean() ? "" : "; copy the affected images again to repair them"));
      return report.clean() ? 0 : Failures.FAILED;
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = "Delete blobs no named image or tag needs (younger ones are kept, see --grace),"
          + " and temp files and upload sessions idle for over an hour.")
  static final class Gc implements Callable<Integer> {
    @Mixin GlobalOptions global;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "10m",
        converter = DurationConverter.class,
        description = "Keep unreferenced blobs younger than this: 90s, 10m, 2h, 1d or ISO-8601"
            + " (default ${DEFAULT-VALUE}; 0s removes every unreferenced blob).")
    Duration grace;

    @Override
    public Integer call() throws Exception {
      Store store = global.openStore();
      GcReport report = store.gc(grace);
      // Abandoned upload sessions and temp files of killed writers: never blobs, but disk all the same.
      int stale = store.removeStaleTempFiles(Store.DEFAULT_TEMP_MAX_AGE).size();
      System.out.println("removed " + report.removed().size() + " blobs ("
          + Sizes.human(report.bytesRemoved()) + "); kept " + report.referenced() + " referenced and "
          + report.keptYoung() + " recent" + (report.originsRemoved() == 0 ? ""
          : "; dropped " + report.originsRemoved() + " origin records of blobs no image needs")
          + (stale == 0 ? "" : "; removed " + stale + " stale temp files and upload sessions (idle"
          + " over " + Store.DEFAULT_TEMP_MAX_AGE.toMinutes() + " min)"));
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
