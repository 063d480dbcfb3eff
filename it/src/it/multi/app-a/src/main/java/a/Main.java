package a;

/** Application a of the multi-module sample. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println(lib.Greeting.of("app-a"));
  }
}
