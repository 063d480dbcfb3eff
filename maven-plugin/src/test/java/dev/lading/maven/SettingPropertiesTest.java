package dev.lading.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which property a setting is read from: ours, Jib's aliases, and the order of both. */
class SettingPropertiesTest {
  private static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }

  @Test
  void jibNamesAreAliasesReadInJibsOrderAfterOursAtEachLevel() {
    SettingProperties s = new SettingProperties(
        props("jib.to.image", "cli/app:1", "image.container.user", "1:1", "jib.container.user", "2:2"),
        props("jib.container.appRoot", "/system", "image.container.workingDirectory", "/sys"),
        props("jib.container.appRoot", "/pom", "jib.to.image", "pom/app:1", "jib.container.workingDirectory", "/pom",
            "jib.container.mainClass", "demo.Main"));
    assertEquals("cli/app:1", s.get("to.image"), "-Djib.to.image beats the POM's");
    assertEquals("1:1", s.get("container.user"), "at one level, our name first");
    assertEquals("/pom", s.get("container.appRoot"), "Jib's order: the POM's jib.* beats a system jib.*");
    assertEquals("/sys", s.get("container.workingDirectory"), "our name keeps Maven's order: system beats the POM");
    assertEquals(new SettingProperties.Lookup("jib.container.mainClass", "demo.Main"), s.lookup("container.mainClass"));
    assertNull(s.get("store"), "only Jib's own names are aliases");
  }

  @Test
  void jibsShortImagePropertyWinsAsInJib() {
    SettingProperties s = new SettingProperties(props("image.to.image", "long/app:1"), props(),
        props("image", "short/app:1"));
    assertEquals("short/app:1", s.get("to.image"));
  }

  @Test
  void theBuildsJibPropertiesAreSortedIntoAliasesIgnoredAndUnknown() {
    SettingProperties s = new SettingProperties(props("jib.console", "plain"), props(),
        props("jib.container.appRoot", "/srv", "jib.contianer.user", "x"));
    SettingProperties.JibReport report = s.jibProperties();
    assertEquals(Map.of("jib.container.appRoot", "image.container.appRoot"), report.aliases());
    assertEquals(Set.of("jib.console"), report.ignored().keySet());
    assertEquals(Set.of("jib.contianer.user"), report.unknown());
  }

  @Test
  void listsSplitOnCommasExceptEscapedOnesAsJibDoes() {
    assertEquals(List.of("-Dlist=a,b", "-Xmx1g"), SettingProperties.splitList("-Dlist=a\\,b, -Xmx1g,"));
  }
}
