package dev.lading.cli;

import dev.lading.io.FileErrors;
import dev.lading.store.WriteAccess;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * Turns failures into one line on stderr ({@code lading: <what went wrong and what to do>}) and an exit
 * code; stack traces only with {@code --debug}, because user errors are not program bugs.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
  static final int FAILED = 1;
  static final int USAGE = 2;

  @Override
  public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    err.println("lading: " + describe(e));
    if (GlobalOptions.debugRequested(parsed)) {
      e.printStackTrace(err);
    }
    err.flush();
    return FAILED;
  }

  static int onUsageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    PrintWriter err = cli.getErr();
    err.println("lading: " + e.getMessage());
    err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return USAGE;
  }

  /**
   * The message of the first cause that has one, which is where the core says what to do, in the
   * core's words for file errors (FileErrors), with what this process knows of the machine added.
   */
  static String describe(Throwable e) {
    Throwable t = FileErrors.saying(e);
    if (t == null) {
      return e.getClass().getSimpleName();
    }
    String m = t.getMessage();
    if (t instanceof java.nio.file.AccessDeniedException) {
      return FileErrors.describe(t) + ownerHint(m);
    }
    if (WriteAccess.isReadOnlyFileSystem(t)) {
      String file = ((FileSystemException) t).getFile();
      return "read-only file system: " + file + (file == null ? "" : readOnlyHint(file));
    }
    if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException) {
      return "cannot reach " + m + " (check the registry address and that it is running)";
    }
    return FileErrors.describe(t);
  }

  /**
   * Who owns the refused path (or its nearest existing parent) when that is not this user, and for a
   * store's files what to do: a CI job often finds a store a root step made, or a cache restored as
   * another uid.
   */
  static String ownerHint(String path) {
    try {
      Path p = Path.of(path);
      while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        p = p.getParent();
      }
      if (p == null) {
        return "";
      }
      String owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
      String me = System.getProperty("user.name", "?");
      if (owner.equals(me)) {
        return "";
      }
      Path store = storeOf(p);
      return " (owned by " + owner + "; this runs as " + me + ")" + (store != null
          ? ": use a store this user can write (--store DIR or LADING_STORE), or make this one"
              + " theirs: chown -R " + me + " " + store
          : "");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** For a store's file: the store is on a read-only mount, which only reads can use. */
  static String readOnlyHint(String path) {
    Path store = storeOf(Path.of(path));
    return store == null ? "" : " (the store " + store + " is on a read-only file system: it can"
        + " be read, but this command writes; use a writable store (--store DIR or LADING_STORE))";
  }

  /** The store {@code path} lies in (an OCI layout: its root holds oci-layout), or null. */
  private static Path storeOf(Path path) {
    Path store = path.toAbsolutePath();
    while (store != null && !Files.exists(store.resolve("oci-layout"))) {
      store = store.getParent();
    }
    return store;
  }
}
