// An ssh agent's socket for <sshAgents> (the Dockerfile's RUN --mount=type=ssh): the step only checks
// that it sees a socket there, so a listening Unix socket stands in for ssh-agent (RunMountIT talks to
// a real one). It stays open in this JVM for the project's nested builds.
import java.net.StandardProtocolFamily
import java.net.UnixDomainSocketAddress
import java.nio.channels.ServerSocketChannel
import java.nio.file.Files

def socket = new File(basedir, "agent.sock").toPath()
Files.deleteIfExists(socket)
def channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
channel.bind(UnixDomainSocketAddress.of(socket))
System.getProperties().put("lading.it.dockerfile.agent", channel)
