package dev.lading.cli;

import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options every command takes. */
final class GlobalOptions {
  @Option(names = "--store", paramLabel = "DIR",
      description = "The store directory (default: $LADING_STORE, else ~/.lading/store).")
  Path store;

  @Option(names = "--debug", description = "Print stack traces of failures.")
  boolean debug;

  @Option(names = {"-q", "--quiet"}, description = "Print no progress, only results and errors.")
  boolean quiet;

  Store openStore() throws IOException {
    return Store.open(store != null ? store : Store.defaultDirectory());
  }

  static boolean debugRequested(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult r = parsed; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--debug")) {
        return true;
      }
    }
    return false;
  }
}
