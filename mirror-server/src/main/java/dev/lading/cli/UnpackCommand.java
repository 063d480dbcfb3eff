package dev.lading.cli;

import dev.lading.store.Store;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.UnpackOptions;
import dev.lading.transfer.UnpackResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lading unpack SRC DIR}. */
@Command(name = "unpack", mixinStandardHelpOptions = true,
    description = "Apply an image's layers in order onto DIR, which becomes its root filesystem."
        + " Entries that would escape DIR are refused.")
final class UnpackCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin TransferOptions transfer;

  @Parameters(index = "0", paramLabel = "SRC", description = "The image.")
  String source;

  @Parameters(index = "1", paramLabel = "DIR", description = "The target directory (new or empty).")
  Path target;

  @picocli.CommandLine.Option(names = "--force",
      description = "Unpack into DIR even when it is not empty (layers are applied on top).")
  boolean force;

  @picocli.CommandLine.Option(names = "--max-layer-size", paramLabel = "BYTES",
      description = "Refuse layers that expand beyond this many bytes (default 64 GiB).")
  Long maxLayerBytes;

  private UnpackOptions unpackOptions() {
    UnpackOptions o = UnpackOptions.defaults();
    return new UnpackOptions(transfer.platformOrNull(),
        maxLayerBytes != null ? maxLayerBytes : o.maxLayerBytes(), o.maxLayerEntries(),
        o.preserveOwnership(), force);
  }

  @Override
  public Integer call() throws Exception {
    ImageLocation src = ImageLocation.parse(source);
    Store store = global.openStore();
    UnpackResult result = transfer.transfer(store, global.quiet, List.of(src))
        .unpack(src, target, unpackOptions());
    if (!global.quiet) {
      System.err.println("unpacked " + result.layers().size() + " layers (" + result.entries()
          + " entries, " + Sizes.human(result.uncompressedBytes()) + ") into " + target);
      result.notes().forEach(System.err::println);
    }
    return 0;
  }
}
