package demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** Prints a greeting and a little JSON about where it runs. */
public final class Main {
  public static void main(String[] args) throws Exception {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("greeting", System.getenv().getOrDefault("GREETING", "Hello"));
    facts.put("java", System.getProperty("java.version"));
    facts.put("user", System.getProperty("user.name"));
    facts.put("args", args);
    System.out.println(new ObjectMapper().writeValueAsString(facts));
  }
}
