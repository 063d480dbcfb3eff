package dev.lading.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lading.model.Json;
import dev.lading.store.Store;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.InspectResult;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lading inspect SRC}: manifest and config as JSON, without fetching layers. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print an image's manifest and config as JSON. Fetches no layers.")
final class InspectCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin TransferOptions transfer;

  @Parameters(index = "0", paramLabel = "SRC", description = "The image.")
  String source;

  @Option(names = "--raw", description = "Print only the manifest (or index) exactly as stored.")
  boolean raw;

  @Override
  public Integer call() throws Exception {
    ImageLocation src = ImageLocation.parse(source);
    Store store = global.openStore();
    InspectResult result = transfer.transfer(store, true, List.of(src))
        .inspect(src, transfer.platformOrNull());
    if (raw) {
      System.out.write(result.top().bytes());
      System.out.println();
      System.out.flush();
      return 0;
    }
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("digest", result.top().digest().toString());
    out.put("mediaType", result.top().mediaType());
    out.set("manifest", tree(result.top().bytes()));
    if (result.isIndex()) {
      // The location names an index: show the image picked for the platform too.
      out.put("platformDigest", result.image().digest().toString());
      out.set("platformManifest", tree(result.image().bytes()));
    }
    out.set("config", tree(result.config()));
    System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
    return 0;
  }

  private static JsonNode tree(byte[] json) throws java.io.IOException {
    return Json.mapper().readTree(json);
  }
}
