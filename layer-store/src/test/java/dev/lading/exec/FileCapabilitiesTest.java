package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FileCapabilitiesTest {
  private static String hex(byte[] raw) {
    return HexFormat.of().formatHex(raw);
  }

  /**
   * Each row: the text given to setcap, what getcap printed back, and the security.capability
   * xattr the kernel then held. All three come from running {@code cp /bin/true f; setcap TEXT f;
   * getcap f} and reading the xattr on ext4, on Debian 12 as root (libcap 2.66).
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "cap_net_bind_service=ep | cap_net_bind_service=ep"
          + " | 0100000200040000000000000000000000000000",
      "cap_net_raw+ep | cap_net_raw=ep | 0100000200200000000000000000000000000000",
      "CAP_NET_RAW=ep | cap_net_raw=ep | 0100000200200000000000000000000000000000",
      "cap_net_raw,cap_net_admin=eip | cap_net_admin,cap_net_raw=eip"
          + " | 0100000200300000003000000000000000000000",
      "cap_setuid=p | cap_setuid=p | 0000000280000000000000000000000000000000",
      "cap_chown=pi | cap_chown=ip | 0000000201000000010000000000000000000000",
      "cap_chown+i | cap_chown=i | 0000000200000000010000000000000000000000",
      // capabilities 32 and up are in the second pair of words
      "cap_setfcap,cap_mac_admin=ep | cap_setfcap,cap_mac_admin=ep"
          + " | 0100000200000080000000000200000000000000",
      "40=ep | cap_checkpoint_restore=ep | 0100000200000000000000000001000000000000",
      "41=ep | = 41+ep | 0100000200000000000000000002000000000000",
      // no list means all of 0..40
      "=ep | =ep | 01000002ffffffff00000000ff01000000000000",
      "all=ep | =ep | 01000002ffffffff00000000ff01000000000000",
      "=ep cap_sys_admin-ep | =ep cap_sys_admin-ep | 01000002ffffdfff00000000ff01000000000000",
      "=eip cap_setfcap-i | =eip cap_setfcap-i | 01000002ffffffffffffff7fff010000ff010000",
      // several clauses
      "cap_net_raw+ep cap_chown+ei | cap_chown=ei cap_net_raw+ep"
          + " | 0100000200200000010000000000000000000000",
      "cap_setuid,cap_setgid=ep cap_chown+eip | cap_chown=eip cap_setgid,cap_setuid+ep"
          + " | 01000002c1000000010000000000000000000000",
      "cap_net_raw=p cap_net_raw+e | cap_net_raw=ep | 0100000200200000000000000000000000000000",
      // the kernel keeps one effective bit: an effective set wider than P|I is stored as the bit
      "cap_chown=ep cap_kill+e | cap_chown=ep | 0100000201000000000000000000000000000000",
      "cap_net_raw+p-p | = | 0000000200000000000000000000000000000000",
      // getcap -n shows a namespaced (revision 3) capability's owner; it is written as revision 2
      "cap_net_raw=ep | cap_net_raw=ep [rootid=1000] | 0100000200200000000000000000000000000000",
  })
  void matchesTheXattrSetcapWrites(String setcapText, String getcapText, String xattr) {
    assertEquals(xattr, hex(FileCapabilities.fromText(setcapText)), setcapText);
    assertEquals(xattr, hex(FileCapabilities.fromText(getcapText)), getcapText);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cap_bogus=ep", "cap_net_raw*ep", "chown=ep", "cap_net_raw+",
      "+ep", "=ep-e", "cap_net_raw=ep,cap_chown=ep", "cap_net_raw = ep", "64=ep", "cap_net_raw=x",
      // setcap refuses these: the effective set must cover the permitted and inheritable ones
      "cap_net_raw+ep cap_chown+i", "cap_chown+ep cap_kill+p"})
  void rejectsTextLibcapOrTheKernelRefuses(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FileCapabilities.fromText(text));
    assertTrue(e.getMessage().contains(text), e.getMessage());
  }

  @Test
  void namesTheUnknownCapability() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FileCapabilities.fromText("cap_bogus=ep"));
    assertTrue(e.getMessage().contains("unknown capability 'cap_bogus'"), e.getMessage());
  }

  @Test
  void splitsAGetcapLineWhosePathHasSpaces() {
    // getcap -r printed "./a b cap_net_raw=ep" for a file named "a b"
    Optional<FileCapabilities.Line> line =
        FileCapabilities.parseGetcapLine("./a b cap_net_raw=ep", Set.of("./a b")::contains);
    assertEquals("./a b", line.orElseThrow().path());
    assertEquals("0100000200200000000000000000000000000000", hex(line.get().capability()));
  }

  @Test
  void aPathThatExistsButLeavesNoCapabilityTextIsNotTheSplit() {
    // "./a" exists too, but "b cap_net_raw=ep" is not capability text
    Optional<FileCapabilities.Line> line = FileCapabilities.parseGetcapLine(
        "./a b cap_net_raw=ep", Set.of("./a", "./a b")::contains);
    assertEquals("./a b", line.orElseThrow().path());
  }

  @Test
  void theFirstWorkingSplitWins() {
    // both "/x" with "=ep =ep" and "/x =ep" with "=ep" would do: the shorter path is taken
    Optional<FileCapabilities.Line> line =
        FileCapabilities.parseGetcapLine("/x =ep =ep", Set.of("/x", "/x =ep")::contains);
    assertEquals("/x", line.orElseThrow().path());
  }

  @Test
  void noSplitWhenThePathIsUnknownOrTheTextIsBad() {
    assertTrue(FileCapabilities.parseGetcapLine("/usr/bin/ping cap_net_raw=ep", p -> false)
        .isEmpty());
    assertTrue(FileCapabilities.parseGetcapLine("/usr/bin/ping cap_bogus=ep", p -> true)
        .isEmpty());
    assertTrue(FileCapabilities.parseGetcapLine("/usr/bin/ping", p -> true).isEmpty());
  }
}
