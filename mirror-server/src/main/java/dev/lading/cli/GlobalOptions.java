package dev.lading.cli;

import dev.lading.store.Store;
import dev.lading.store.StoreDirectory;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options every command takes. */
final class GlobalOptions {
  @Option(names = "--store", paramLabel = "DIR",
      description = "The store directory (default: $LADING_STORE, else ~/.lading/store; without a"
          + " writable home, $XDG_CACHE_HOME/lading/store, else $TMPDIR/lading-$USER/store).")
  Path store;

  @Option(names = "--debug", description = "Print stack traces of failures.")
  boolean debug;

  @Option(names = {"-q", "--quiet"}, description = "Print no progress, only results and errors.")
  boolean quiet;

  /** The store named by --store, or the default one (with a notice on stderr when it is a fallback). */
  Store openStore() throws IOException {
    if (store != null) {
      return Store.open(store);
    }
    StoreDirectory dir = Store.defaultDirectory();
    dir.notice().ifPresent(notice -> System.err.println("lading: " + notice));
    return Store.open(dir.path());
  }

  /** True when the user named a store (--store or $LADING_STORE), so a command must use that one. */
  boolean storeChosen() {
    String env = System.getenv(StoreDirectory.ENV);
    return store != null || (env != null && !env.isBlank());
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
