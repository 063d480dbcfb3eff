package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --secret} as docker build takes it. */
class BuildSecretTest {
  @TempDir Path dir;

  private static final Map<String, String> ENV = Map.of("TOKEN", "t0ken", "npmrc", "from-env");

  @Test
  void aFileAVariableOrTheIdAlone() throws Exception {
    Path file = Files.writeString(dir.resolve("npmrc"), "//registry/:_authToken=x\n");
    assertEquals(Map.entry("npmrc", BuildSecret.file(file)), BuildSecret.parse("id=npmrc,src=" + file, ENV::get));
    assertEquals(Map.entry("npmrc", BuildSecret.file(file)), BuildSecret.parse("source=" + file, ENV::get));
    assertEquals(Map.entry("tok", BuildSecret.value("t0ken")), BuildSecret.parse("id=tok,env=TOKEN", ENV::get));
    assertEquals(Map.entry("TOKEN", BuildSecret.value("t0ken")), BuildSecret.parse("id=TOKEN", ENV::get));
    assertEquals(Map.entry("npmrc", BuildSecret.value("from-env")), BuildSecret.parse("id=npmrc", ENV::get),
        "with the id alone the variable comes first, as in buildx");
    assertEquals("//registry/:_authToken=x\n", new String(BuildSecret.file(file).bytes()));
  }

  @Test
  void whatIsWrongIsNamedAndTheValueIsNeverPrinted() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BuildSecret.parse("id=x,src=/no/such", ENV::get))
        .getMessage().contains("no file /no/such"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BuildSecret.parse("id=x,env=UNSET", ENV::get))
        .getMessage().contains("the environment variable UNSET is not set"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BuildSecret.parse("id=x,colour=red", ENV::get))
        .getMessage().contains("unknown key 'colour'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BuildSecret.parse("x", ENV::get))
        .getMessage().contains("id=ID,src=FILE"));
    assertFalse(BuildSecret.value("t0ken").toString().contains("t0ken"));
  }
}
