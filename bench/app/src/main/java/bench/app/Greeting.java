package bench.app;

/** The greeting text; the benchmark rewrites the STAMP line to make a one-line code change. */
final class Greeting {
  static final String STAMP = "stamp-0";

  private Greeting() {}

  static String of(String who) {
    return "Hello, " + who + "!";
  }
}
