package demo;

import java.io.InputStream;
import java.util.Properties;

public class Main {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("/greeting.properties")) {
      props.load(in);
    }
    System.out.println("packaged: " + props.getProperty("greeting") + " from "
        + Main.class.getProtectionDomain().getCodeSource().getLocation());
  }
}
