package dev.lading.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads docker's config.json and runs a real (shell script) credential helper. */
class DockerConfigCredentialsTest {
  @TempDir
  Path temp;
  private Path bin;
  private Path calls;

  @BeforeEach
  void installHelper() throws IOException {
    bin = Files.createDirectories(temp.resolve("bin"));
    calls = temp.resolve("helper-calls.log");
    Path helper = bin.resolve("docker-credential-test");
    Files.writeString(helper, String.join("\n",
        "#!/bin/sh",
        "read -r server",
        "echo \"$1 $server\" >> '" + calls + "'",
        "case \"$server\" in",
        "  registry.example.com) printf '{\"ServerURL\":\"%s\",\"Username\":\"helper-user\",\"Secret\":\"helper-secret\"}' \"$server\" ;;",
        "  https://index.docker.io/v1/) printf '{\"Username\":\"hub-user\",\"Secret\":\"hub-secret\"}' ;;",
        "  locked.example.com) echo 'the keychain is locked' >&2; exit 1 ;;",
        "  *) echo 'credentials not found in native keychain'; exit 1 ;;",
        "esac", ""));
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private DockerConfigCredentials config(String json) throws IOException {
    Path file = temp.resolve("config.json");
    Files.writeString(file, json);
    return DockerConfigCredentials.of(file, List.of(temp.resolve("empty-dir"), bin));
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsInlineAuthsWhateverFormTheKeyTakes() throws IOException {
    DockerConfigCredentials creds = config("{\"auths\":{"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + base64("hub:pa:ss") + "\"},"
        + "\"ghcr.io\":{\"username\":\"gh\",\"password\":\"token\"},"
        + "\"http://localhost:5000/v2/\":{\"auth\":\"" + base64("local:pw") + "\"},"
        + "\"empty.example.com\":{}}}");
    assertEquals(Optional.of(new Credential("hub", "pa:ss")), creds.credentialsFor("docker.io"));
    assertEquals(Optional.of(new Credential("hub", "pa:ss")), creds.credentialsFor("registry-1.docker.io"));
    assertEquals(Optional.of(new Credential("gh", "token")), creds.credentialsFor("ghcr.io"));
    assertEquals(Optional.of(new Credential("local", "pw")), creds.credentialsFor("localhost:5000"));
    assertEquals(Optional.empty(), creds.credentialsFor("empty.example.com"));
    assertEquals(Optional.empty(), creds.credentialsFor("quay.io"));
  }

  @Test
  void asksThePerHostHelperWithTheServerUrlOnStdin() throws IOException {
    DockerConfigCredentials creds = config("{\"credHelpers\":{\"registry.example.com\":\"test\","
        + "\"docker.io\":\"test\"}}");
    assertEquals(Optional.of(new Credential("helper-user", "helper-secret")),
        creds.credentialsFor("registry.example.com"));
    assertEquals(Optional.of(new Credential("hub-user", "hub-secret")), creds.credentialsFor("docker.io"));
    assertEquals(List.of("get registry.example.com", "get https://index.docker.io/v1/"),
        Files.readAllLines(calls));
  }

  @Test
  void usesTheDefaultStoreAndFallsBackToAuthsWhenTheHelperHasNothing() throws IOException {
    DockerConfigCredentials creds = config("{\"credsStore\":\"test\",\"auths\":{"
        + "\"other.example.com\":{\"auth\":\"" + base64("inline:pw") + "\"}}}");
    assertEquals(Optional.of(new Credential("helper-user", "helper-secret")),
        creds.credentialsFor("registry.example.com"));
    assertEquals(Optional.of(new Credential("inline", "pw")), creds.credentialsFor("other.example.com"));
    assertEquals(Optional.empty(), creds.credentialsFor("nothing.example.com"), "not found means anonymous");
  }

  @Test
  void explainsBrokenHelpersAndConfigs() throws IOException {
    IOException failing = assertThrows(IOException.class,
        () -> config("{\"credsStore\":\"test\"}").credentialsFor("locked.example.com"));
    assertTrue(failing.getMessage().contains("docker-credential-test get failed")
        && failing.getMessage().contains("the keychain is locked"), failing.getMessage());

    IOException missing = assertThrows(IOException.class,
        () -> config("{\"credsStore\":\"desktop\"}").credentialsFor("ghcr.io"));
    assertTrue(missing.getMessage().contains("docker-credential-desktop")
        && missing.getMessage().contains("not on the PATH"), missing.getMessage());

    IOException invalid = assertThrows(IOException.class, () -> config("{not json").credentialsFor("ghcr.io"));
    assertTrue(invalid.getMessage().contains("not valid JSON"), invalid.getMessage());
  }

  @Test
  void aMissingConfigMeansNoCredentials() throws IOException {
    DockerConfigCredentials creds = DockerConfigCredentials.of(temp.resolve("absent.json"), List.of(bin));
    assertEquals(Optional.empty(), creds.credentialsFor("ghcr.io"));
  }

  @Test
  void chainsProvidersInOrder() throws IOException {
    CredentialProvider chain = CredentialProvider.chain(
        StaticCredentials.of("ghcr.io", "settings", "pw"),
        config("{\"credsStore\":\"test\"}"));
    assertEquals(Optional.of(new Credential("settings", "pw")), chain.credentialsFor("ghcr.io"));
    assertEquals(Optional.of(new Credential("helper-user", "helper-secret")),
        chain.credentialsFor("registry.example.com"));
    assertTrue(new Credential("u", "topsecret").toString().contains("***"));
    assertTrue(!new Credential("u", "topsecret").toString().contains("topsecret"));
  }

  @Test
  void aNamedHelperRunsWithTheEnvironmentGivenToIt() throws IOException {
    Path envHelper = bin.resolve("docker-credential-env");
    Files.writeString(envHelper, String.join("\n", "#!/bin/sh", "read -r server",
        "printf '{\"Username\":\"%s\",\"Secret\":\"s\"}' \"$AWS_PROFILE\"", ""));
    Files.setPosixFilePermissions(envHelper, PosixFilePermissions.fromString("rwxr-xr-x"));
    DockerConfigCredentials nothingConfigured = DockerConfigCredentials.of(temp.resolve("absent.json"), List.of(bin));
    assertEquals(Optional.of(new Credential("ci-profile", "s")),
        nothingConfigured.helper("env", java.util.Map.of("AWS_PROFILE", "ci-profile")).credentialsFor("x.example.com"));
  }

  @Test
  void aNamedHelperAnswersWhateverTheConfigSaysAndOnlyForItsHost() throws IOException {
    DockerConfigCredentials nothingConfigured = DockerConfigCredentials.of(temp.resolve("absent.json"), List.of(bin));
    CredentialProvider bySuffix = CredentialProvider.onlyFor("registry.example.com", nothingConfigured.helper("test"));
    assertEquals(Optional.of(new Credential("helper-user", "helper-secret")),
        bySuffix.credentialsFor("registry.example.com"));
    assertEquals(Optional.empty(), bySuffix.credentialsFor("ghcr.io"), "another host is not asked");
    CredentialProvider byPath = nothingConfigured.helper(bin.resolve("docker-credential-test").toString());
    assertEquals(Optional.of(new Credential("hub-user", "hub-secret")), byPath.credentialsFor("index.docker.io"));
    assertEquals(List.of("get registry.example.com", "get https://index.docker.io/v1/"), Files.readAllLines(calls));

    IOException missing = assertThrows(IOException.class,
        () -> nothingConfigured.helper("ecr-login").credentialsFor("ghcr.io"));
    assertTrue(missing.getMessage().contains("docker-credential-ecr-login (configured in the build configuration)")
        && missing.getMessage().contains("not on the PATH"), missing.getMessage());
  }
}
