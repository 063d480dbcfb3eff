package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Word processing as Docker's shell lexer does it: quotes, escapes, substitutions. */
class ShellLexerTest {
  private static final Map<String, String> ENV =
      Map.of("PWD", "/home", "SHELL", "bash", "NULL", "", "FILE", "archive.tar.gz", "PATHS", "a/b/c/b");

  private static String word(String text) throws DockerfileException {
    return ShellLexer.of('\\').processWord(text, ENV::get);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "hello                  | hello",
      "he'll'o                | hello",
      "he\\'llo               | he'llo",
      "abc\\tdef              | abctdef",
      "\"abc\\tdef\"          | abc\\tdef",
      "'abc\\tdef'            | abc\\tdef",
      "hello\\                | hello",
      "hello\\\\              | hello\\",
      "\"hel'lo\"             | hel'lo",
      "'hello\\'              | hello\\",
      "$.                     | $.",
      "he$1x                  | hex",
      "he$PWD                 | he/home",
      "he\\$PWD               | he$PWD",
      "he\\\\$PWD             | he\\/home",
      "\"he\\$PWD\"           | he$PWD",
      "'$PWD'                 | $PWD",
      "\\${}                  | ${}",
      "he${hi}xx              | hexx",
      "he${PWD}               | he/home",
      "he${XXX:-000}xx        | he000xx",
      "he${PWD:-000}xx        | he/homexx",
      "he${XXX:-${PWD:-yyy}}x | he/homex",
      "he${NULL:-dflt}        | hedflt",
      "he${NULL-dflt}         | he",
      "he${XXX-dflt}          | hedflt",
      "he${PWD?}              | he/home",
      "he${NULL?}             | he",
      "he${XXX:+000}xx        | hexx",
      "he${PWD:+000}xx        | he000xx",
      "he${NULL+set}          | heset",
      "he${NULL:+set}         | he",
      "he${PWD:+${SHELL}}xx   | hebashxx",
      "he${XXX:-\\$PWD:}xx    | he$PWD:xx",
      "\"he'$PWD'\"           | he'/home'",
      "'\"hello\"'            | \"hello\"",
      "안'녕'하세요            | 안녕하세요",
      "${FILE%.gz}            | archive.tar",
      "${FILE%%.*}            | archive",
      "${FILE#*.}             | tar.gz",
      "${FILE##*.}            | gz",
      "${PATHS/b/x}           | a/x/c/b",
      "${PATHS//b/x}          | a/x/c/x",
      "~a b  c~               | a b  c",
  })
  void processesAWordLikeDocker(String input, String expected) throws DockerfileException {
    assertEquals(expected, word(input.strip()));
  }

  @ParameterizedTest(name = "{0} is an error")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "he'llo", "he\\\\'llo", "\"hello", "\"hello\\\"", "'hello", "${}", "he${}xx", "he${.}",
      "he${XXX:YYY}", "he${XXX?}", "he${XXX:?}", "he${NULL:?}", "he${PWD", "he${PWD:=000}xx",
      "${PWD:#x}",
  })
  void rejectsWhatDockerRejects(String input) {
    DockerfileException e = assertThrows(DockerfileException.class, () -> word(input));
    assertTrue(e.getMessage().contains(input), e.getMessage());
  }

  @Test
  void theErrorOfQuestionMarkSaysTheGivenMessage() {
    DockerfileException e = assertThrows(DockerfileException.class, () -> word("${XXX:?set XXX first}"));
    assertTrue(e.getMessage().endsWith("XXX: set XXX first"), e.getMessage());
  }

  @Test
  void wordsAreSplitAfterSubstitutionButNotInsideQuotes() throws DockerfileException {
    ShellLexer lexer = ShellLexer.of('\\');
    assertEquals(List.of("a", "b c", "d", "bash"),
        lexer.processWords("a \"b c\" d $SHELL", ENV::get));
    assertEquals(List.of("x", "y"), lexer.processWords("$V", Map.of("V", "x y")::get));
  }

  @Test
  void backtickEscapeWorksLikeBackslash() throws DockerfileException {
    assertEquals("c:\\dir $HOME", ShellLexer.of('`').processWord("c:\\dir `$HOME", ENV::get));
  }
}
