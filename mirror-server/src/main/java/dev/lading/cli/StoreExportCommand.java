package dev.lading.cli;

import dev.lading.model.Descriptor;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.store.archive.ArchiveListener;
import dev.lading.store.archive.ExportReport;
import dev.lading.store.archive.StoreExport;
import dev.lading.transfer.Mirrors;
import dev.lading.transfer.OriginFetcher;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lading store export FILE [IMAGE...]}: the store, or some images, as one tar. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Write the store (every named image and the mirror's repository tags), or the"
        + " IMAGEs named, as one tar that is also an OCI image layout (skopeo reads it as"
        + " oci-archive:FILE:NAME); 'lading store import' reads it back.",
        "Base layers the store never downloaded are not in it: their origin registries are, and the"
            + " importing store fetches them when needed (--fetch-missing downloads them first).",
        "Gzip when FILE ends in .gz or .tgz; the same store content gives the same file."})
final class StoreExportCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin RegistryAccess registries;

  @Parameters(index = "0", paramLabel = "FILE", description = "The archive to write; - for stdout.")
  String file;

  @Parameters(index = "1..*", paramLabel = "IMAGE",
      description = "Images to export: store refs (as store:NAME takes them, e.g. demo:1) or"
          + " repository tags (library/demo:1). Default: everything.")
  List<String> images = new ArrayList<>();

  @Option(names = "--fetch-missing",
      description = "Download base layers the store lacks from their registries first, so the archive"
          + " holds every byte (for a machine that cannot reach those registries).")
  boolean fetchMissing;

  @Option(names = "--gzip", description = "Compress whatever FILE's name is (for - above all).")
  boolean gzip;

  @Override
  public Integer call() throws Exception {
    Optional<Store> existing = global.openExistingStore();
    if (existing.isEmpty()) {
      throw new IOException(global.noStore());
    }
    Store store = existing.get();
    StoreExport export = new StoreExport(store);
    boolean toStdout = file.equals("-");
    // With the archive on stdout, every message goes to stderr.
    PrintStream messages = System.err;
    if (fetchMissing) {
      fetch(store, export.absentBlobs(images), messages);
    }
    ArchiveListener progress = new ArchiveProgress(messages, global.quiet, "exported");
    // Not System.out: a PrintStream swallows write errors, and a broken pipe must stop the export.
    FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
    ExportReport report = toStdout ? export.write(stdout, gzip, images, progress)
        : export.writeTo(Path.of(file), gzip || StoreExport.gzipByName(Path.of(file)), images,
            progress);
    if (toStdout) {
      stdout.flush();
    }
    for (String skipped : report.skipped()) {
      messages.println("lading: warning: left out " + skipped);
    }
    String summary = "exported " + report.refs() + " images and " + report.tags() + " tags"
        + (toStdout ? "" : " to " + file) + ": " + report.blobs() + " blobs ("
        + Sizes.human(report.bytes()) + ")" + (report.absentWithOrigins() == 0 ? ""
        : "; " + report.absentWithOrigins() + " base layers the store never downloaded are not"
        + " included, only where to fetch them from (--fetch-missing includes them)");
    (toStdout ? messages : System.out).println(summary);
    return 0;
  }

  private void fetch(Store store, List<Descriptor> absent, PrintStream messages) throws Exception {
    if (absent.isEmpty()) {
      return;
    }
    // --insecure and --creds apply to the registries the absent layers come from.
    Set<String> hosts = new LinkedHashSet<>();
    for (Descriptor blob : absent) {
      store.origins(blob.digest()).forEach(o -> hosts.add(o.registry()));
    }
    RegistryClient client = registries.client(new ArrayList<>(hosts),
        new Progress(messages, global.quiet));
    OriginFetcher fetcher = new OriginFetcher(store, client, Mirrors.none());
    long bytes = 0;
    for (Descriptor blob : absent) {
      fetcher.ensure(blob, done -> { });
      bytes += blob.size();
    }
    if (!global.quiet) {
      messages.println("fetched " + absent.size() + " base layers (" + Sizes.human(bytes) + ")");
    }
  }
}
