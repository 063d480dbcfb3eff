package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChmodFlagTest {
  @ParameterizedTest(name = "{0} on {1} (directory {2}) gives {3}")
  @CsvSource({
      // octal: every item gets it
      "0755, 0600, false, 0755", "640, 4777, true, 0640", "07777, 0, false, 7777",
      // the Dockerfile reference's examples
      "+x, 0644, false, 0755", "'u=rwX,go=rX', 0700, true, 0755", "'u=rwX,go=rX', 0600, false, 0644",
      "'u=rwX,go=rX', 0700, false, 0755", "g=u, 0640, false, 0660",
      // chmod(1) as FreeBSD's setmode has it, umask 0 (X only ever adds: -X changes nothing)
      "a-w, 0666, false, 0444", "'u-x,g+w', 0755, false, 0675", "u=rw+x, 0644, false, 0744",
      "go=, 0755, true, 0700", "o=u-w, 0754, false, 0755", "a+X, 0644, false, 0644", "a+X, 0744, false, 0755",
      "a+X, 0600, true, 0711", "-X, 0777, false, 0777", "ug=rw, 0755, false, 0665",
      "u+s, 0755, false, 4755", "+s, 0755, false, 6755", "o+s, 0755, false, 0755", "g-s, 2755, true, 0755",
      "+t, 0755, true, 1755", "o+t, 0755, true, 0755", "=, 4755, false, 0000", "=r, 1777, true, 1444",
      "u=g, 0750, false, 0550"
  })
  void aModeIsAppliedAsChmodWould(String flag, String start, boolean directory, String expected) {
    assertEquals(Integer.parseInt(expected, 8), ChmodFlag.parse(flag).apply(Integer.parseInt(start, 8), directory),
        () -> flag + " on " + start + " gave " + Integer.toOctalString(
            ChmodFlag.parse(flag).apply(Integer.parseInt(start, 8), directory)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "u", "x+", "+q", "u+r,", "a=r;", "ugo"})
  void aValueThatIsNoModeIsRefusedSayingWhatIs(String flag) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChmodFlag.parse(flag));
    assertTrue(e.getMessage().contains("nor a symbolic one (such as u=rwX,go=rX or +x)"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"8", "0778", "17777"})
  void aNumberThatIsNoOctalModeIsRefused(String flag) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChmodFlag.parse(flag));
    assertTrue(e.getMessage().contains("is not an octal mode between 0 and 07777"), e.getMessage());
  }
}
