package dev.lading.cli;

import dev.lading.store.Store;
import dev.lading.store.archive.ArchiveException;
import dev.lading.store.archive.ImportReport;
import dev.lading.store.archive.StoreImport;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lading store import FILE}: what {@code lading store export} wrote, back into a store. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Read an archive of 'lading store export' (or any tar of an OCI image layout, such"
        + " as skopeo's oci-archive), plain or gzip, into the store.",
        "Every blob's digest is checked before it is stored; the images and tags are set at the"
            + " end, all together, only when everything they need is there. A damaged or cut archive"
            + " sets nothing (verified blobs already read stay for a retry; gc removes them)."})
final class StoreImportCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "FILE", description = "The archive to read; - for stdin.")
  String file;

  @Override
  public Integer call() throws Exception {
    Store store = global.openStore();
    ArchiveProgress progress = new ArchiveProgress(System.err, global.quiet, "imported");
    ImportReport report;
    try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
      report = new StoreImport(store).read(in, progress);
    } catch (ArchiveException e) {
      throw new ArchiveException(e.getMessage() + "; no image or tag was set", e);
    }
    System.out.println("imported " + report.refs() + " images and " + report.tags() + " tags: "
        + report.blobsWritten() + " blobs added (" + Sizes.human(report.bytesWritten()) + "), "
        + report.blobsPresent() + " already there"
        + (report.origins() == 0 ? "" : "; " + report.origins() + " origins recorded for base layers"
        + " the archive does not carry (fetched when needed)")
        + (report.unnamed() == 0 ? "" : "; " + report.unnamed() + " images without a name in"
        + " index.json were stored unnamed (gc removes them)"));
    return 0;
  }
}
