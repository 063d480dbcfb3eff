package web;

import java.io.InputStream;
import java.util.Properties;

/** Stands in for a servlet: the IT runs it against the image's WEB-INF/classes and WEB-INF/lib. */
public final class Hello {
  private Hello() {}

  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    try (InputStream in = Hello.class.getResourceAsStream("/app.properties")) {
      p.load(in);
    }
    System.out.println("web: " + p.getProperty("greeting") + " with "
        + org.slf4j.LoggerFactory.class.getSimpleName());
  }
}
