package demo;

import java.nio.file.Files;
import java.nio.file.Path;

public class Main {
  public static void main(String[] args) throws Exception {
    // The file comes from the base's RUN step, the variable from its ENV.
    Path marker = Path.of(System.getenv("APP_DATA"), "marker");
    System.out.println("Hello from Java on a Dockerfile base: " + Files.readString(marker).strip());
  }
}
