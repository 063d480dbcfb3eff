package demo;

import org.slf4j.helpers.MessageFormatter;

public class Main {
  public static void main(String[] args) {
    System.out.println(MessageFormatter.format("Hello from {} args={}", System.getProperty("os.arch"),
        String.join(",", args)).getMessage());
  }
}
