package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** lading mirror's settings from LADING_MIRROR_* and --config: the command line, then env, then file. */
class MirrorDefaultsTest {
  @TempDir Path dir;

  private static MirrorCommand parse(Map<String, String> env, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "mirror";
    System.arraycopy(args, 0, all, 1, args.length);
    MirrorCommand command = new MirrorCommand();
    CommandLine cli = new CommandLine(command);
    MirrorDefaults defaults = MirrorDefaults.of(all, env);
    defaults.check(cli);
    cli.setDefaultValueProvider(defaults);
    cli.parseArgs(args);
    return command;
  }

  private Path config(String text) throws IOException {
    return Files.writeString(dir.resolve("mirror.conf"), text);
  }

  @Test
  void theFileTheEnvironmentAndTheCommandLineEachWinOverTheOneBefore() throws IOException {
    Path file = config("""
        # the office mirror
        listen = 0.0.0.0:5000
        upstream = docker.io=https://registry-1.docker.io
        upstream = ghcr.io=https://ghcr.io
        tag-ttl = 2m
        forward = sync
        """);
    MirrorCommand fromFile = parse(Map.of(), "--config", file.toString());
    assertEquals("0.0.0.0:5000", fromFile.listen);
    assertEquals(List.of("docker.io=https://registry-1.docker.io", "ghcr.io=https://ghcr.io"),
        fromFile.upstreams);
    assertEquals(Duration.ofMinutes(2), fromFile.tagTtl);
    assertEquals("sync", fromFile.forward);

    Map<String, String> env = Map.of("LADING_MIRROR_TAG_TTL", "10m",
        "LADING_MIRROR_UPSTREAM", "quay.io=https://quay.io", "LADING_MIRROR_CONFIG", file.toString());
    MirrorCommand fromEnv = parse(env);
    assertEquals(Duration.ofMinutes(10), fromEnv.tagTtl, "the environment wins over the file");
    assertEquals(List.of("quay.io=https://quay.io"), fromEnv.upstreams);
    assertEquals("0.0.0.0:5000", fromEnv.listen, "LADING_MIRROR_CONFIG names the file");

    MirrorCommand fromArgs = parse(env, "--tag-ttl", "30s", "--listen", "127.0.0.1:0");
    assertEquals(Duration.ofSeconds(30), fromArgs.tagTtl, "the command line wins over both");
    assertEquals("127.0.0.1:0", fromArgs.listen);
  }

  @Test
  void withNothingSetTheBuiltInDefaultsHold() {
    MirrorCommand plain = parse(Map.of());
    assertEquals("127.0.0.1:5000", plain.listen);
    assertEquals(List.of(), plain.upstreams);
    assertEquals(Duration.ofMinutes(5), plain.tagTtl);
  }

  @Test
  void aTypoAMissingFileOrARepeatedSingleSettingIsAnError() throws IOException {
    Path typo = config("listen = 0.0.0.0:5000\nupstreams = docker.io=https://registry-1.docker.io\n");
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> parse(Map.of(), "--config", typo.toString()));
    assertTrue(e.getMessage().contains("line 2: 'upstreams' is not a setting"), e.getMessage());

    Path twice = config("listen = a:1\nlisten = b:2\n");
    e = assertThrows(CommandLine.ParameterException.class,
        () -> parse(Map.of(), "--config", twice.toString()));
    assertTrue(e.getMessage().contains("'listen' is set twice"), e.getMessage());

    Path noEquals = config("listen 0.0.0.0:5000\n");
    e = assertThrows(CommandLine.ParameterException.class,
        () -> parse(Map.of(), "--config", noEquals.toString()));
    assertTrue(e.getMessage().contains("write 'name = value'"), e.getMessage());

    e = assertThrows(CommandLine.ParameterException.class,
        () -> parse(Map.of(), "--config", dir.resolve("absent.conf").toString()));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void theCommandLineReportsABadFileAsAUsageError() throws IOException {
    Path typo = config("lisen = 0.0.0.0:5000\n");
    assertEquals(2, Main.run("mirror", "--config", typo.toString()));
  }
}
