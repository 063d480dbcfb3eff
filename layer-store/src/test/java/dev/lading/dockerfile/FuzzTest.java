package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated Dockerfiles, .dockerignore files and words: whatever comes in, the only
 * thing that may come out besides a result is a {@link DockerfileException}.
 */
class FuzzTest {
  private static final String[] SEEDS = {
      "# syntax=docker/dockerfile:1\n# escape=`\nARG BASE=alpine\nFROM --platform=$BUILDPLATFORM ${BASE:-x} AS build\n",
      "RUN --mount=type=cache,target=/root/.m2,id=m2,sharing=locked mvn -B package \\\n  # comment\n  -DskipTests\n",
      "RUN <<EOF\nset -e\necho $HOME\nEOF\n",
      "RUN <<-'A' 3<<B cat\n\tx\n\tA\ny\nB\n",
      "COPY --from=build --chown=app:app --chmod=0755 --link [\"/out/app\", \"/usr/bin/\"]\n",
      "COPY <<EOF /etc/motd\nhi ${USER:-you}\nEOF\n",
      "ADD --chown=0:0 app.tar.gz /opt/\n",
      "ENV A=1 B=\"two words\" C=${A:+set}\nENV LEGACY value with spaces\n",
      "LABEL a=b \"c d\"='e f'\nMAINTAINER me <me@example.com>\n",
      "ARG X Y=${X:-y} Z\nWORKDIR /srv/${X}\nUSER ${Y}:${Z}\n",
      "EXPOSE 80/tcp ${PORT}\nVOLUME [\"/data\"]\nVOLUME /a /b\nSTOPSIGNAL SIG${S}\n",
      "HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -f http://localhost/ || exit 1\n",
      "HEALTHCHECK NONE\nONBUILD RUN echo $X\nONBUILD COPY . /src\n",
      "ENTRYPOINT [\"/bin/sh\", \"-c\"]\nCMD echo \"hello\"\nSHELL [\"bash\", \"-c\"]\n",
      "FROM build AS final\nCOPY --from=0 /a /b\n",
      "ENV P=${A#*/} Q=${A%%.*} R=${A//x/y} S=${A:?missing}\n",
  };
  private static final String ALPHABET =
      "aZ09 \t\n\n\\\\`\"'$${}[]()<<-#=:,/.*?!%+@~|&;\r\u00e9\u00a0\ud83d\ude00\u0000";

  @Test
  void onlyDockerfileExceptionsComeOut() {
    Random random = new Random(20261202L);
    int parsed = 0;
    int refused = 0;
    for (int round = 0; round < 4000; round++) {
      String text = mutate(random, dockerfile(random), random.nextInt(6));
      try {
        Dockerfile df = Dockerfile.parseChecked(text);
        expandEverything(df, random);
        parsed++;
      } catch (DockerfileException expected) {
        refused++; // fine: a located problem
      } catch (RuntimeException | StackOverflowError e) {
        throw new AssertionError("input:\n" + text, e);
      }
    }
    // Both outcomes must be common, or the inputs explore too little.
    assertTrue(parsed > 400 && refused > 400, parsed + " parsed, " + refused + " refused");
  }

  @Test
  void onlyDockerfileExceptionsComeOutOfDockerIgnore() {
    Random random = new Random(7L);
    for (int round = 0; round < 3000; round++) {
      String text = mutate(random, "*.md\n!README*.md\n**/target\n/docs/[a-c]*\n", 1 + random.nextInt(8));
      try {
        DockerIgnore ignore = DockerIgnore.parse(text);
        ignore.excluded(mutate(random, "docs/a/README.md", random.nextInt(4)), random.nextBoolean());
        ignore.mayReinclude(mutate(random, "target", random.nextInt(3)));
      } catch (DockerfileException expected) {
        // fine
      } catch (RuntimeException | StackOverflowError e) {
        throw new AssertionError("input:\n" + text, e);
      }
    }
  }

  @Test
  void onlyDockerfileExceptionsComeOutOfTheLexer() {
    Random random = new Random(42L);
    Map<String, String> env = Map.of("A", "a.b/c", "E", "", "N", "1 2");
    for (int round = 0; round < 20000; round++) {
      String word = randomText(random, random.nextInt(24));
      for (ShellLexer lexer : List.of(ShellLexer.of('\\'), ShellLexer.of('`').keepingQuotes(),
          ShellLexer.of('\\').ignoringQuotes().keepingEscapes().keepingUnset())) {
        try {
          lexer.processWord(word, env::get);
          lexer.processWords(word, env::get);
        } catch (DockerfileException expected) {
          // fine
        } catch (RuntimeException | StackOverflowError e) {
          throw new AssertionError("word: " + word, e);
        }
      }
    }
  }

  @Test
  void theSafetyNetTurnsAnythingIntoADockerfileException() {
    try {
      Dockerfile.parse("FROM x\n" + "RUN ".repeat(3) + "\u0000\uffff");
    } catch (DockerfileException expected) {
      // fine
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private static void expandEverything(Dockerfile df, Random random) throws DockerfileException {
    BuildArgs args = BuildArgs.of(Map.of("X", "x", "A", "a/b.c", "HTTP_PROXY", "p"))
        .withTargetPlatform(random.nextBoolean() ? "linux/arm64" : "linux/arm/v7");
    for (Stage stage : df.stages()) {
      Expander.expandFrom(df, args, stage);
      Expander expander = Expander.forStage(df, args, Map.of("PATH", "/bin"));
      for (Instruction i : stage.instructions()) {
        expander.expand(i);
      }
      expander.runEnvironment();
    }
    args.unused(df);
  }

  private static String dockerfile(Random random) {
    StringBuilder out = new StringBuilder(random.nextInt(4) == 0 ? "" : "FROM alpine:3.19 AS base\n");
    int parts = 1 + random.nextInt(5);
    for (int i = 0; i < parts; i++) {
      out.append(SEEDS[random.nextInt(SEEDS.length)]);
    }
    return out.toString();
  }

  private static String mutate(Random random, String text, int mutations) {
    StringBuilder s = new StringBuilder(text);
    for (int m = 0; m < mutations; m++) {
      int at = s.length() == 0 ? 0 : random.nextInt(s.length() + 1);
      switch (random.nextInt(4)) {
        case 0 -> s.insert(at, randomText(random, 1 + random.nextInt(3)));
        case 1 -> {
          if (s.length() > 0) {
            s.delete(Math.min(at, s.length() - 1), Math.min(s.length(), at + 1 + random.nextInt(4)));
          }
        }
        case 2 -> {
          int from = s.length() == 0 ? 0 : random.nextInt(s.length());
          String piece = s.substring(from, Math.min(s.length(), from + random.nextInt(12)));
          s.insert(at, piece);
        }
        default -> s.insert(at, SEEDS[random.nextInt(SEEDS.length)]);
      }
    }
    return s.toString();
  }

  private static String randomText(Random random, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return s.toString();
  }
}
