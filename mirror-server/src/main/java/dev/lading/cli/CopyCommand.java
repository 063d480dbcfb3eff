package dev.lading.cli;

import dev.lading.model.ImageFormat;
import dev.lading.store.Store;
import dev.lading.transfer.CopyOptions;
import dev.lading.transfer.CopyResult;
import dev.lading.transfer.ImageLocation;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lading copy SRC DST}. */
@Command(name = "copy", mixinStandardHelpOptions = true,
    description = "Copy an image from one location to another, through the store."
        + " Blobs the destination has are skipped; on one registry they are mounted, not moved.")
final class CopyCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin TransferOptions transfer;

  @Parameters(index = "0", paramLabel = "SRC", description = "Where the image is.")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "Where to put it.")
  String destination;

  @Option(names = "--format", paramLabel = "oci|docker",
      description = "Write the manifest in this format (default: as the source has it).")
  String format;

  @Option(names = {"-a", "--all"}, description = "Copy every platform of a multi-platform image.")
  boolean all;

  @Override
  public Integer call() throws Exception {
    ImageLocation src = ImageLocation.parse(source);
    ImageLocation dst = ImageLocation.parse(destination);
    ImageFormat fmt = format == null ? null : ImageFormat.parse(format);
    Store store = global.openStore();
    CopyResult result = transfer.transfer(store, global.quiet, List.of(src, dst))
        .copy(src, dst, new CopyOptions(fmt, transfer.platformOrNull(), all));
    if (!global.quiet) {
      System.err.println("copied " + result.blobsCopied() + " blobs (" + Sizes.human(result.bytesCopied())
          + "), " + result.blobsSkipped() + " already there, " + result.blobsMounted() + " mounted");
    }
    System.out.println(result.written().digest());
    return 0;
  }
}
