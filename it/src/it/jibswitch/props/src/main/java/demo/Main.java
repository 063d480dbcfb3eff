package demo;

import java.io.InputStream;
import java.util.Properties;

public class Main {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("/config/app.properties")) {
      if (in == null) {
        throw new IllegalStateException("config/app.properties is not on the class path");
      }
      props.load(in);
    }
    System.out.println("jibprops: " + props.getProperty("greeting") + " from " + Main.class.getProtectionDomain()
        .getCodeSource().getLocation().getPath());
  }
}
