package lib;

/** A library class: nothing here can start a container. */
public final class Greeting {
  private Greeting() {}

  public static String of(String name) {
    return "Hello, " + name;
  }
}
