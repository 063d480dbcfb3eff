package dev.lading.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.digest.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {
  private static final String HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final String DIGEST = "sha256:" + HEX;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      // input                                   | registry          | repository              | tag      | digest
      "debian                                    | docker.io         | library/debian          | latest   | -",
      "debian:12-slim                            | docker.io         | library/debian          | 12-slim  | -",
      "user/app                                  | docker.io         | user/app                | latest   | -",
      "docker.io/debian                          | docker.io         | library/debian          | latest   | -",
      "index.docker.io/user/app:1                | docker.io         | user/app                | 1        | -",
      "docker.io/library/debian:latest           | docker.io         | library/debian          | latest   | -",
      "ghcr.io/owner/app:v1.2.3                  | ghcr.io           | owner/app               | v1.2.3   | -",
      "localhost/app                             | localhost         | app                     | latest   | -",
      "localhost:5000/ns/repo:tag                | localhost:5000    | ns/repo                 | tag      | -",
      "registry:5000/app                         | registry:5000     | app                     | latest   | -",
      "127.0.0.1:5000/a/b/c                      | 127.0.0.1:5000    | a/b/c                   | latest   | -",
      "[::1]:5000/app:dev                        | [::1]:5000        | app                     | dev      | -",
      "[fe80::1]/app                             | [fe80::1]         | app                     | latest   | -",
      "Registry.Example.COM/app                  | Registry.Example.COM | app                  | latest   | -",
      "MyRegistry/app                            | MyRegistry        | app                     | latest   | -",
      "my.registry:443/team/my_app__x-y--z.w:_t  | my.registry:443   | team/my_app__x-y--z.w   | _t       | -",
      "localhost:5000                            | docker.io         | library/localhost       | 5000     | -",
      "debian@" + DIGEST + "                     | docker.io         | library/debian          | -        | " + DIGEST,
      "host:5000/ns/repo:tag@" + DIGEST + "      | host:5000         | ns/repo                 | tag      | " + DIGEST,
  })
  void parsesLikeDocker(String input, String registry, String repository, String tag, String digest) {
    ImageReference ref = ImageReference.parse(input);
    assertEquals(registry, ref.registry());
    assertEquals(repository, ref.repository());
    assertEquals(tag, ref.tag());
    assertEquals(digest == null ? null : Digest.parse(digest), ref.digest());
    // The canonical form parses back to the same reference.
    assertEquals(ref, ImageReference.parse(ref.toString()));
  }

  @Test
  void printsTheCanonicalForm() {
    assertEquals("docker.io/library/debian:latest", ImageReference.parse("debian").toString());
    assertEquals("docker.io/library/debian@" + DIGEST, ImageReference.parse("debian@" + DIGEST).toString());
    assertEquals("docker.io/library/debian:12@" + DIGEST, ImageReference.parse("debian:12@" + DIGEST).toString());
  }

  @ParameterizedTest(name = "[{index}] ''{0}''")
  @CsvSource(delimiter = '|', value = {
      "''                          | it is empty",
      HEX + "                      | a 64-character hex string is an image ID, not a name",
      "Debian                      | repository name 'library/Debian' must be lowercase",
      "user/App                    | repository name 'user/App' must be lowercase",
      "MyRegistry/App              | repository name 'App' must be lowercase",
      "debian:                     | the tag after ':' is empty",
      "debian:-rc                  | invalid tag '-rc'",
      "debian:a+b                  | invalid tag 'a+b'",
      "ghcr.io/                    | the repository name is empty",
      "ghcr.io//app                | has an empty path component",
      "user/app/                   | has an empty path component",
      "user/-app                   | invalid repository path component '-app'",
      "user/app.                   | invalid repository path component 'app.'",
      "user/a___b                  | invalid repository path component 'a___b'",
      "user/a..b                   | invalid repository path component 'a..b'",
      ":tag                        | the name is empty",
      "debian@sha256:abc           | bad digest: not a sha256 digest: 'abc'",
      "debian@md5:" + HEX + "      | bad digest: unsupported digest algorithm 'md5'",
      "debian@                     | bad digest: not a digest: ''",
      "bad_host:5000/app           | invalid registry 'bad_host:5000'",
      "-host.io/app                | invalid registry '-host.io'",
      "host.io:port/app            | invalid registry 'host.io:port'",
  })
  void rejectsBadReferencesSayingWhatIsWrong(String input, String reason) {
    var e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(input));
    assertTrue(e.getMessage().startsWith("invalid image reference '" + input + "': "), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().endsWith("(expected [registry[:port]/]name[:tag][@sha256:<64 hex>],"
        + " e.g. debian:12 or ghcr.io/owner/app@sha256:...)"), e.getMessage());
  }

  @Test
  void limitsTheNameTo255Characters() {
    String longest = "a".repeat(255 - "docker.io/u/".length());
    assertEquals(255, ImageReference.parse("u/" + longest).name().length());
    var e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("u/" + longest + "a"));
    assertTrue(e.getMessage().contains("is 256 characters long (at most 255 allowed)"), e.getMessage());
  }

  @Test
  void limitsTagsTo128Characters() {
    assertEquals(128, ImageReference.parse("app:" + "t".repeat(128)).tag().length());
    assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("app:" + "t".repeat(129)));
  }

  @Test
  void sendsDockerHubRequestsToItsApiHost() {
    assertEquals("registry-1.docker.io", ImageReference.parse("debian").apiHost());
    assertEquals("registry-1.docker.io", ImageReference.parse("index.docker.io/library/debian").apiHost());
    assertEquals("ghcr.io", ImageReference.parse("ghcr.io/o/a").apiHost());
    assertEquals("localhost:5000", ImageReference.parse("localhost:5000/a").apiHost());
  }

  @Test
  void digestWinsOverTag() {
    ImageReference tagged = ImageReference.parse("ghcr.io/o/app:1.0");
    assertEquals("1.0", tagged.tagOrDigest());
    ImageReference pinned = tagged.withDigest(Digest.parse(DIGEST));
    assertEquals(DIGEST, pinned.tagOrDigest());
    assertEquals("ghcr.io/o/app:1.0@" + DIGEST, pinned.toString());
  }

  @Test
  void derivesNewReferencesWithValidation() {
    ImageReference ref = ImageReference.parse("localhost:5000/team/app:1");
    assertEquals("localhost:5000/team/app:2", ref.withTag("2").toString());
    assertEquals("localhost:5000/team/cache:1", ref.withRepository("team/cache").toString());
    assertEquals("localhost:5000/team/app@" + DIGEST,
        ref.withDigest(Digest.parse(DIGEST)).withTag(null).toString());
    assertThrows(IllegalArgumentException.class, () -> ref.withTag(".bad"));
    assertThrows(IllegalArgumentException.class, () -> ref.withRepository("Team/App"));
    var neither = assertThrows(IllegalArgumentException.class, () -> ref.withTag(null));
    assertEquals("image reference localhost:5000/team/app names neither a tag nor a digest", neither.getMessage());
    assertNull(ref.digest());
  }

  @ParameterizedTest
  @CsvSource({
      "localhost/app, true",
      "localhost:5000/app, true",
      "127.0.0.1:5000/app, true",
      "127.1.2.3/app, true",
      "[::1]:5000/app, true",
      "docker.io/library/debian, false",
      "localhost.example.com/app, false",
      "128.0.0.1/app, false",
      "[fe80::1]/app, false",
  })
  void knowsLoopbackRegistries(String input, boolean loopback) {
    assertEquals(loopback, ImageReference.parse(input).isLoopback());
  }

  @Test
  void isLoopbackIsFalseForDockerHub() {
    assertFalse(ImageReference.parse("debian").isLoopback());
  }
}
