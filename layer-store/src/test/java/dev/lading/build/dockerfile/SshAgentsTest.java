package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshAgentsTest {
  @TempDir Path dir;

  @Test
  void defaultIsTheAgentSshAuthSockNamesAndAnIdMayNameItsSocket() throws IOException {
    Path socket = dir.resolve("agent.sock");
    try (ServerSocketChannel agent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      agent.bind(UnixDomainSocketAddress.of(socket));
      assertEquals(Map.entry("default", socket), SshAgents.parse("default",
          Map.of("SSH_AUTH_SOCK", socket.toString())::get));
      assertEquals(Map.entry("ci", socket), SshAgents.parse("ci=" + socket, name -> null));
    }
  }

  @Test
  void whatIsNoAgentSocketIsRefusedSayingWhatToDo() throws IOException {
    Path key = Files.writeString(dir.resolve("id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    String noAgent = assertThrows(IllegalArgumentException.class, () -> SshAgents.parse("default", name -> null))
        .getMessage();
    assertTrue(noAgent.contains("SSH_AUTH_SOCK is not set; start an agent"), noAgent);
    String keyFile = assertThrows(IllegalArgumentException.class,
        () -> SshAgents.parse("default=" + key, name -> null)).getMessage();
    assertTrue(keyFile.contains("is a file, not an ssh agent's socket") && keyFile.contains("ssh-add " + key), keyFile);
    String keys = assertThrows(IllegalArgumentException.class,
        () -> SshAgents.parse("default=" + key + "," + key, name -> null)).getMessage();
    assertTrue(keys.contains("not key files"), keys);
    String plugin = assertThrows(IllegalArgumentException.class,
        () -> SshAgents.parse("x=" + dir.resolve("none"), name -> null, "<sshAgent>")).getMessage();
    assertTrue(plugin.startsWith("<sshAgent> x=") && plugin.contains("does not exist"), plugin);
    String directory = assertThrows(IllegalArgumentException.class,
        () -> SshAgents.parse("x=" + dir, name -> null)).getMessage();
    assertTrue(directory.contains("is not a socket"), directory);
  }
}
