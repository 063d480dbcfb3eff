package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The htpasswd file: bcrypt entries as {@code htpasswd -B} writes them, nothing weaker. */
class HtpasswdTest {
  /** {@code htpasswd -nbB alice secret}. */
  private static final String ALICE = "alice:$2y$05$VgK9lGOB7xZdmr26RdJQ3.bXQ.ZKWJLgfEVhPvoEaNU03bJT9xDLG";

  @Test
  void checksBcryptPasswordsAgainAndAgain() {
    Htpasswd users = Htpasswd.parse(List.of("# team", ALICE, ""), "test");
    assertEquals(List.of("alice"), List.copyOf(users.users()));
    assertTrue(users.check("alice", "secret"));
    assertTrue(users.check("alice", "secret"), "the second check, from the cache, agrees");
    assertFalse(users.check("alice", "Secret"));
    assertFalse(users.check("bob", "secret"));
    assertFalse(users.check("alice", "x".repeat(100)), "longer than bcrypt takes: just wrong");
  }

  @Test
  void refusesWeakerSchemesNamingTheLine() {
    IllegalArgumentException md5 = assertThrows(IllegalArgumentException.class, () ->
        Htpasswd.parse(List.of(ALICE, "bob:$apr1$4dM4mCZ2$9jzvpSJVxbTNTFFeYGOSf."), "users"));
    assertEquals("users line 2: user 'bob' is not a bcrypt entry; write it with 'htpasswd -B'",
        md5.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Htpasswd.parse(List.of("# none"), "users"));
  }
}
