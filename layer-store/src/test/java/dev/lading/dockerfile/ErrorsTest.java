package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Unsupported or broken input is an error naming the line and the instruction, never ignored. */
class ErrorsTest {

  private static DockerfileException error(String text) {
    return assertThrows(DockerfileException.class, () -> Dockerfile.parse(text));
  }

  @Test
  void aDockerfileThatIsNotUtf8IsNamedWithTheLineAndByte(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    java.nio.file.Path file = dir.resolve("Dockerfile");
    java.nio.file.Files.write(file, "FROM alpine\n# Jos\u00e9\nRUN echo caf\u00e9 > /x\n"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals("FROM alpine\n# Jos\u00e9\nRUN echo caf\u00e9 > /x\n", Dockerfile.read(file));
    java.nio.file.Files.write(file, "FROM alpine\nRUN echo caf\u00e9 > /x\n"
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> Dockerfile.read(file));
    assertEquals(file + " is not UTF-8: line 2, byte 13 (0xe9); Docker reads Dockerfiles as UTF-8: save it so"
        + " (iconv -f latin1 -t utf8, say)", e.getMessage());
  }

  @Test
  void theMessageNamesLineInstructionAndRemedy() {
    DockerfileException e = error("FROM alpine\n\n# no network please\n\n\n\nRUN --network=off wget x\n");
    assertEquals("line 7: RUN --network=off is not a network mode; use default, none or host", e.getMessage());
    assertEquals(7, e.line());
    assertEquals("RUN", e.instruction());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "RUN --network=bridge make                       | RUN --network=bridge is not a network mode",
      "RUN --security=insecure make                    | RUN --security=insecure is not supported",
      "RUN --device=/dev/fuse make                     | RUN --device is not supported",
      "RUN --mount=type=secret npm ci                   | RUN --mount=type=secret needs id=ID",
      "RUN --mount=type=secret,id=n,mode=9 npm ci       | invalid value 9 for mode",
      "RUN --mount=type=secret,id=n,uid=me npm ci       | invalid value me for uid/gid",
      "RUN --mount=type=secret,id=n,env=A-B npm ci      | invalid environment variable name A-B",
      "RUN --mount=type=secret,id=n,src=f npm ci        | unexpected key 'src' for mount type 'secret'",
      "RUN --mount=type=ssh,mode=8 git clone x         | invalid value 8 for mode",
      "RUN --mount=type=ssh,src=/a git clone x         | unexpected key 'src' for mount type 'ssh'",
      "RUN --mount=type=bind,source=. make             | RUN --mount=type=bind needs target=PATH",
      "RUN --mount=source=x make                       | RUN --mount=type=bind needs target=PATH",
      "RUN --mount=type=bind,target=/s,id=x make       | unexpected key 'id' for mount type 'bind'",
      "RUN --mount=type=bind,target=/s,from= make      | from= names no stage or image",
      "RUN --mount=type=tmpfs make                     | RUN --mount=type=tmpfs needs target=PATH",
      "RUN --mount=type=tmpfs,target=/t,mode=1 make    | unexpected key 'mode' for mount type 'tmpfs'",
      "RUN --mount=type=volume,target=/t make          | unknown mount type 'volume'",
      "RUN --mount=type=cache,target=/c,from= make     | from= names no stage or image",
      "RUN --mount=type=cache,target=/c,source=/x make | add from=STAGE, or remove source=",
      "RUN --mount=type=cache make                     | needs target=PATH",
      "RUN --mount=type=cache,target=/c,sharing=no x   | unsupported sharing value",
      "RUN --mount=type=cache,target=/c,mode=rwx x     | invalid value rwx for mode",
      "RUN --mount=type=cache,target=/c,size=1g x      | unexpected key 'size'",
      "RUN --mount=type=cache,target=/c,colour=red x   | unexpected key 'colour'",
      "RUN --mount=type=cache,target=/c,ro=maybe x     | invalid value for ro",
      "RUN --mount=type=cache,target=/c,id x           | must be a key=value pair",
      "COPY --exclude=[a . /src                        | COPY --exclude: syntax error in pattern \"[a\"",
      "ADD --exclude=! . /src                          | ADD --exclude: illegal exclusion pattern",
      "ADD --unpack=maybe a.tgz /src                   | expecting boolean value for flag --unpack",
      "COPY --unpack a.tgz /src                        | unknown flag: --unpack",
      "ADD --parents a/b /src                          | unknown flag: --parents",
      "COPY --parents=sometimes a/b /src               | expecting boolean value for flag --parents",
      "ADD --checksum=sha256:abc https://x/y /y        | ADD --checksum=sha256:abc: write sha256: and the 64",
      "ADD --checksum=md5:0cc175b9c0f1b6a8 https://x/y /y | write sha256: and the 64",
      "COPY --checksum=sha256:abc https://x/y /y       | COPY --checksum is not supported",
      "ADD --keep-git-dir=maybe https://x/y.git /y     | expecting boolean value for flag --keep-git-dir",
      "ADD ftp://example.com/x.tgz /y                  | ADD from a URL that is neither http(s) nor a git repository",
      "RUN []                                          | RUN requires at least one argument",
      "ADD --from=build a /b                           | unknown flag: --from",
      "COPY --chown a /b                               | missing a value on flag: --chown",
      "COPY --link=perhaps a /b                        | expecting boolean value for flag --link",
      "COPY --from=a --from=b x /y                     | duplicate flag specified: --from",
      "ENV --force A=1                                 | unknown flag: --force (this instruction takes no flags)",
      "FROBNICATE everything                           | unknown instruction: FROBNICATE",
      "RUN                                             | RUN requires at least one argument",
      "USER                                            | USER requires exactly one argument",
      "ARG =x                                          | ARG names can not be blank",
      "COPY <<EOF <<EOD                                | COPY cannot accept a heredoc as a destination",
  })
  void refusesWithAClearMessage(String line, String expected) {
    DockerfileException e = error("FROM alpine\n" + line.strip() + "\nEOF\nEOD\n");
    assertEquals(2, e.line(), e.getMessage());
    assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void anAddThatExpandsToAnFtpUrlIsRefusedToo() throws DockerfileException {
    Dockerfile df = Dockerfile.parse("FROM x\nARG SRC=ftp://example.com/x.tgz\nADD $SRC /a\n");
    Expander ex = Expander.forStage(df, BuildArgs.none(), java.util.Map.of());
    ex.expand(df.lastStage().instructions().get(0));
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> ex.expand(df.lastStage().instructions().get(1)));
    assertTrue(e.getMessage().startsWith("line 3: ADD from a URL that is neither"), e.getMessage());
  }

  @Test
  void onlyArgMayComeBeforeFrom() {
    DockerfileException e = error("ARG A=1\nENV B=2\nFROM x\n");
    assertEquals("line 2: ENV is not allowed before the first FROM (only ARG is); start the stage with FROM",
        e.getMessage());
  }

  @Test
  void aDockerfileNeedsAFrom() {
    assertTrue(error("").getMessage().contains("no instructions"));
    assertTrue(error("# only a comment\n\n").getMessage().contains("no instructions"));
    assertTrue(error("ARG A\n").getMessage().contains("has no FROM"));
  }

  @Test
  void anErrorInAContinuedLineNamesItsFirstLine() {
    DockerfileException e = error("FROM x\nRUN \\\n  --network=off \\\n  make\n");
    assertEquals(2, e.line());
  }

  @Test
  void anErrorInAnOnbuildTriggerNamesTheOnbuild() {
    DockerfileException e = error("FROM x\nONBUILD RUN --network=off make\n");
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("--network=off"), e.getMessage());
  }
}
