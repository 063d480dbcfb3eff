package dev.lading.cli;

import dev.lading.store.Store;
import dev.lading.store.StoreDirectory;
import java.io.IOException;
import dev.lading.io.FileTrees;
import dev.lading.transfer.ImageLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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

  /**
   * The store for a command that only looks at it ({@code store ls}, {@code fsck}, {@code export}):
   * as {@link #openStore}, but empty when the store directory does not exist, which such a command
   * must not create (a mistyped --store would otherwise read as "0 images" or "clean").
   */
  Optional<Store> openExistingStore() throws IOException {
    Path dir = store != null ? store : Store.defaultDirectory().path();
    return Files.isDirectory(dir) ? Optional.of(openStore()) : Optional.empty();
  }

  /** Why {@link #openExistingStore} found none, for the user. */
  String noStore() throws IOException {
    Path dir = store != null ? store : Store.defaultDirectory().path();
    return "there is no store at " + dir + " (it does not exist"
        + (store != null ? "; check --store)" : storeChosen() ? "; check $" + StoreDirectory.ENV + ")"
            : " yet: nothing was stored as this user)");
  }

  /**
   * The store for a command that reads {@code source}: the user's, except that a layout or an
   * archive, which needs no store, gets a private scratch store in the temp directory when the user
   * named none, so that no user store is created or filled. Close it to delete the scratch store.
   */
  CommandStore storeFor(ImageLocation source) throws IOException {
    if (source.isLocalFile() && !storeChosen()) {
      Path scratch = Files.createTempDirectory("lading-");
      try {
        return new CommandStore(Store.open(scratch), scratch);
      } catch (IOException | RuntimeException e) {
        FileTrees.deleteTree(scratch);
        throw e;
      }
    }
    return new CommandStore(openStore(), null);
  }

  /** A store and, for a scratch store, the directory to delete when the command is done. */
  record CommandStore(Store store, Path scratch) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (scratch != null) {
        FileTrees.deleteTree(scratch);
      }
    }
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
