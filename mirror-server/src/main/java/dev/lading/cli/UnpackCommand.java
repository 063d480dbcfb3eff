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

  @picocli.CommandLine.Option(names = "--ownership-file", paramLabel = "FILE",
      description = "When not run as root: record the owners, modes and device numbers the image"
          + " intends (which an unprivileged user cannot set on disk) in FILE, as JSON.")
  Path ownershipFile;

  private UnpackOptions unpackOptions() {
    UnpackOptions o = UnpackOptions.defaults();
    return new UnpackOptions(transfer.platformOrNull(),
        maxLayerBytes != null ? maxLayerBytes : o.maxLayerBytes(), o.maxLayerEntries(),
        o.preserveOwnership(), force, ownershipFile, false);
  }

  private UnpackResult unpack(Store store, ImageLocation src) throws Exception {
    return transfer.transfer(store, global.quiet, List.of(src)).unpack(src, target, unpackOptions());
  }

  @Override
  public Integer call() throws Exception {
    ImageLocation src = ImageLocation.parse(source);
    UnpackResult result;
    try (GlobalOptions.CommandStore store = global.storeFor(src)) {
      result = unpack(store.store(), src);
    }
    if (!global.quiet) {
      System.err.println("unpacked " + result.layers().size() + " layers (" + result.entries()
          + " entries, " + Sizes.human(result.uncompressedBytes()) + ") into " + target);
      result.notes().forEach(System.err::println);
    }
    return 0;
  }
}
