package demo;

public class App {
  public static void main(String[] args) {
    System.out.println("inherit: started by the base image's entrypoint with "
        + org.slf4j.LoggerFactory.class.getSimpleName() + " on the class path");
  }
}
