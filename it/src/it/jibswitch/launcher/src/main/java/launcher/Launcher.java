package launcher;

public class Launcher {
  public static void main(String[] args) {
    System.out.println("the launcher itself");
  }
}
