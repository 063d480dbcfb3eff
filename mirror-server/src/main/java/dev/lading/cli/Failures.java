package dev.lading.cli;

import java.io.PrintWriter;
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

  /** The message of the first cause that has one, which is where the core says what to do. */
  static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        if (t instanceof java.nio.file.NoSuchFileException) {
          return "no such file: " + m;
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
          return "permission denied: " + m;
        }
        if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException) {
          return "cannot reach " + m + " (check the registry address and that it is running)";
        }
        return m;
      }
    }
    return e.getClass().getSimpleName();
  }
}
