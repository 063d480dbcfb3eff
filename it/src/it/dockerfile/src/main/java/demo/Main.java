package demo;

import java.nio.file.Files;
import java.nio.file.Path;

public class Main {
  public static void main(String[] args) throws Exception {
    System.out.println("Hello from a Dockerfile: " + Files.readString(Path.of("/opt/app/marker")).strip());
  }
}
