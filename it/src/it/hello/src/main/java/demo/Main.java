package demo;

import java.io.InputStream;
import java.util.Properties;
import org.slf4j.LoggerFactory;

public class Main {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("/app.properties")) {
      props.load(in);
    }
    String logger = LoggerFactory.getLogger(Main.class).getClass().getSimpleName();
    System.out.println("Hello from lading: " + props.getProperty("greeting") + " mode="
        + System.getenv("APP_MODE") + " args=" + String.join(",", args) + " logger=" + logger
        + " cwd=" + System.getProperty("user.dir"));
  }
}
