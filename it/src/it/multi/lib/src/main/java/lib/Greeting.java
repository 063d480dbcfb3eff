package lib;

/** The library module of the multi-module sample. */
public final class Greeting {
  private Greeting() {}

  public static String of(String app) {
    return app + " with lib";
  }
}
