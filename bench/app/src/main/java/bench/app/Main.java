package bench.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableSortedMap;
import java.util.Map;
import org.apache.commons.lang3.StringUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Prints a greeting as JSON; the benchmark edits {@link Greeting#STAMP} to make a one-line change. */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    String who = args.length > 0 ? StringUtils.capitalize(args[0]) : "World";
    Map<String, String> body = ImmutableSortedMap.of("greeting", Greeting.of(who), "stamp", Greeting.STAMP);
    LOG.info("starting");
    System.out.println(new ObjectMapper().writeValueAsString(body));
  }
}
