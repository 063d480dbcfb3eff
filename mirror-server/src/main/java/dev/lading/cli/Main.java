package dev.lading.cli;

/** The {@code lading} command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.err.println("lading: no commands yet");
    System.exit(2);
  }
}
