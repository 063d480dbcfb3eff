package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.dockerfile.Instruction.Cmd;
import dev.lading.dockerfile.Instruction.Copy;
import dev.lading.dockerfile.Instruction.Env;
import dev.lading.dockerfile.Instruction.KeyValue;
import dev.lading.dockerfile.Instruction.Run;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How Dockerfile text becomes instructions: directives, comments, continuations, forms, heredocs. */
class LineParsingTest {

  static List<Instruction> instructions(String text) throws DockerfileException {
    return Dockerfile.parse(text).stages().get(0).instructions();
  }

  static Instruction only(String text) throws DockerfileException {
    List<Instruction> all = instructions("FROM scratch\n" + text);
    assertEquals(1, all.size(), () -> "instructions: " + all);
    return all.get(0);
  }

  @Test
  void keywordsAreCaseInsensitive() throws Exception {
    List<Instruction> all = instructions("from alpine\nrun echo hi\nWorkDir /app\n");
    assertInstanceOf(Run.class, all.get(0));
    assertInstanceOf(Instruction.Workdir.class, all.get(1));
  }

  @Test
  void commentsAndBlankLinesAreSkippedAndLinesAreCounted() throws Exception {
    List<Instruction> all = instructions("# a comment\n\nFROM alpine\n  # indented comment\n\nRUN true\n");
    assertEquals(6, all.get(0).location().line());
  }

  @Test
  void continuationJoinsLinesAndKeepsTheRange() throws Exception {
    Run run = (Run) only("RUN apt-get update \\\n    && apt-get install -y curl\n");
    assertEquals("apt-get update     && apt-get install -y curl", run.command().text());
    assertEquals(2, run.location().line());
    assertEquals(3, run.location().endLine());
  }

  @Test
  void commentAndEmptyLinesInsideAContinuationAreDropped() throws Exception {
    Run run = (Run) only("RUN apt-get update && \\\n"
        + "    # the packages we need\n"
        + "    apt-get install -y \\\n"
        + "\n"
        + "      curl \\\n"
        + "   #   git \\\n"
        + "      jq\n");
    assertEquals("apt-get update &&     apt-get install -y       curl       jq", run.command().text());
    assertEquals(8, run.location().endLine());
  }

  @Test
  void doubledEscapeAtTheEndIsNotAContinuation() throws Exception {
    List<Instruction> all = instructions("FROM x\nENV C trailing\\\\\nENV D next\n");
    assertEquals(2, all.size());
  }

  @Test
  void aLoneEscapeLineContinuesWithNothing() throws Exception {
    Env env = (Env) only("ENV E hello\\\n\\\nworld\n");
    assertEquals(List.of(new KeyValue("E", "helloworld")), env.pairs());
  }

  @Test
  void continuationAtEndOfFileEndsTheInstruction() throws Exception {
    Run run = (Run) only("RUN something \\");
    assertEquals("something", run.command().text());
  }

  @Test
  void escapeDirectiveSwitchesToBacktick() throws Exception {
    Dockerfile df = Dockerfile.parse("# escape=`\nFROM mcr.microsoft.com/windows\n"
        + "COPY testfile.txt c:\\\n"
        + "RUN dir c:\\ `\n  && echo done\n");
    assertEquals('`', df.escape());
    List<Instruction> all = df.stages().get(0).instructions();
    assertEquals("c:\\", ((Copy) all.get(0)).destination());
    assertEquals("dir c:\\   && echo done", ((Run) all.get(1)).command().text());
  }

  @Test
  void directivesOnlyCountBeforeAnythingElse() throws Exception {
    Dockerfile df = Dockerfile.parse("# a comment first\n# escape=`\nFROM x\nRUN a \\\n b\n");
    assertEquals('\\', df.escape());
    assertEquals("a  b", ((Run) df.stages().get(0).instructions().get(0)).command().text());
  }

  @Test
  void syntaxAndCheckDirectivesAreAcceptedAndChangeNothing() throws Exception {
    Dockerfile df = Dockerfile.parse("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=\\\nFROM x\n");
    assertEquals("x", df.stages().get(0).baseImage());
  }

  @Test
  void aRepeatedDirectiveIsAnError() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> Dockerfile.parse("# escape=`\n# escape=\\\nFROM x\n"));
    assertEquals(2, e.line());
  }

  @Test
  void anInvalidEscapeTokenIsAnError() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> Dockerfile.parse("# escape=!\nFROM x\n"));
    assertTrue(e.getMessage().startsWith("line 1: invalid escape token"), e.getMessage());
  }

  @Test
  void byteOrderMarkAndCarriageReturnsAreTolerated() throws Exception {
    List<Instruction> all = instructions("\uFEFFFROM x\r\nRUN a \\\r\n  b\r\n");
    assertEquals("a   b", ((Run) all.get(0)).command().text());
  }

  @Test
  void execFormIsAJsonArray() throws Exception {
    Cmd cmd = (Cmd) only("CMD [\"java\", \"-jar\", \"/app.jar\"]");
    assertTrue(cmd.command().execForm());
    assertEquals(List.of("java", "-jar", "/app.jar"), cmd.command().args());
  }

  @Test
  void invalidJsonFallsBackToShellForm() throws Exception {
    for (String text : List.of("['echo', 'single quotes']", "[\"unterminated", "[\"a\",]", "[\"a\"] trailing")) {
      Cmd cmd = (Cmd) only("CMD " + text);
      assertFalse(cmd.command().execForm(), text);
      assertEquals(List.of(text), cmd.command().args());
    }
  }

  @Test
  void aJsonArrayOfNonStringsIsAnError() {
    DockerfileException e = assertThrows(DockerfileException.class, () -> only("RUN [\"echo\", 1]"));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("strings only"), e.getMessage());
  }

  @Test
  void heredocRunsAScript() throws Exception {
    Run run = (Run) only("RUN <<EOF\napt-get update\napt-get install -y vim\nEOF\n");
    assertEquals("<<EOF", run.command().text());
    assertEquals(1, run.heredocs().size());
    Heredoc doc = run.heredocs().get(0);
    assertEquals("EOF", doc.name());
    assertEquals("apt-get update\napt-get install -y vim\n", doc.content());
    assertTrue(doc.expand());
    assertEquals(5, run.location().endLine());
  }

  @Test
  void dashHeredocStripsLeadingTabs() throws Exception {
    Run run = (Run) only("RUN <<-EOT bash\n\techo one\n\t\techo two\n\tEOT\n");
    assertEquals("echo one\necho two\n", run.heredocs().get(0).content());
    assertTrue(run.heredocs().get(0).chomp());
  }

  @Test
  void quotedDelimiterMeansNoExpansion() throws Exception {
    Run quoted = (Run) only("RUN <<\"EOF\"\necho $HOME\nEOF\n");
    assertFalse(quoted.heredocs().get(0).expand());
    Run single = (Run) only("RUN <<'EOF'\necho $HOME\nEOF\n");
    assertFalse(single.heredocs().get(0).expand());
    assertEquals("EOF", single.heredocs().get(0).name());
  }

  @Test
  void severalHeredocsOnOneLineAreReadInOrder() throws Exception {
    Run run = (Run) only("RUN cat <<FILE1 > /a && 3<<FILE2 cat > /b\nfirst\nFILE1\nsecond\nFILE2\nRUN true\n"
        .replace("RUN true\n", ""));
    assertEquals(2, run.heredocs().size());
    assertEquals("first\n", run.heredocs().get(0).content());
    assertEquals("second\n", run.heredocs().get(1).content());
    assertEquals(3, run.heredocs().get(1).fileDescriptor());
  }

  @Test
  void copyFromAHeredocMakesAnInlineFile() throws Exception {
    Copy copy = (Copy) only("COPY <<EOF /etc/motd\nHello $USER\nEOF\n");
    assertEquals(List.of(), copy.sources());
    assertEquals("/etc/motd", copy.destination());
    assertEquals("Hello $USER\n", copy.inlineSources().get(0).content());
  }

  @Test
  void anUnterminatedHeredocIsAnError() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> only("RUN <<EOF\necho never ends\n"));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("unterminated heredoc"), e.getMessage());
  }

  @Test
  void execFormRunHasNoHeredoc() throws Exception {
    Run run = (Run) only("RUN [\"sh\", \"-c\", \"cat <<EOF\"]");
    assertTrue(run.heredocs().isEmpty());
  }

  @Test
  void heredocLikeTextThatIsNotAWordStartIsNotAHeredoc() throws Exception {
    List<Instruction> all = instructions("FROM x\nRUN echo a<<b\nRUN true\n");
    assertEquals(2, all.size());
  }

  @Test
  void flagsAreTakenFromTheFrontOnly() throws Exception {
    Copy copy = (Copy) only("COPY --from=build --chown=app:app --link /out/app --not-a-flag /usr/bin/\n");
    assertEquals(List.of("/out/app", "--not-a-flag"), copy.sources());
    assertEquals("build", copy.from().orElseThrow());
    assertEquals("app:app", copy.chown().orElseThrow());
    assertTrue(copy.link());
  }

  @Test
  void quotedFlagValuesLoseTheirQuotes() throws Exception {
    Copy copy = (Copy) only("COPY --chown=\"1000:1000\" a /b\n");
    assertEquals("1000:1000", copy.chown().orElseThrow());
  }

  @Test
  void doubleDashEndsFlags() throws Exception {
    Run run = (Run) only("RUN -- --version\n");
    assertEquals("--version", run.command().text());
  }
}
