package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Which context paths a .dockerignore leaves out, as moby/patternmatcher decides. */
class DockerIgnoreTest {

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "*.md            | README.md            | true",
      "*.md            | docs/README.md       | false",
      "**/*.md         | docs/README.md       | true",
      "**/*.md         | README.md            | true",
      "**/*.md         | a/b/c/README.md      | true",
      "docs            | docs                 | true",
      "docs            | docs/a/b.txt         | true",
      "docs            | docsextra/a.txt      | false",
      "/docs/          | docs/a.txt           | true",
      "./docs          | docs/a.txt           | true",
      "docs/**         | docs/a/b.txt         | true",
      "docs/**         | docs                 | false",
      "a/**/z          | a/z                  | true",
      "a/**/z          | a/b/c/z              | true",
      "a/**/z          | a/b/c/y              | false",
      "**              | anything/at/all      | true",
      "temp?           | temp1                | true",
      "temp?           | temp12               | false",
      "temp?           | temp/                | false",
      "*/temp*         | somedir/temporary.txt | true",
      "*/temp*         | somedir/sub/temp.txt | false",
      "[a-c]*.log      | b.log                | true",
      "[a-c]*.log      | d.log                | false",
      "[^a]x           | bx                   | true",
      "[^a]x           | ax                   | false",
      "file\\*         | file*                | true",
      "file\\*         | filex                | false",
      "a.b             | axb                  | false",
      "(x)+            | (x)+                 | true",
      "../outside      | outside              | false",
      "a/../b          | b/c                  | true",
  })
  void matchesLikeDocker(String pattern, String path, boolean excluded) throws DockerfileException {
    assertEquals(excluded, DockerIgnore.parse(pattern.strip()).excluded(path.strip(), false));
  }

  @Test
  void exceptionsReincludeAndTheLastMatchWins() throws DockerfileException {
    DockerIgnore ignore = DockerIgnore.parse("# build output\n*.md\n!README*.md\nREADME-secret.md\n");
    assertTrue(ignore.excluded("CHANGES.md", false));
    assertFalse(ignore.excluded("README.md", false));
    assertTrue(ignore.excluded("README-secret.md", false));
    assertEquals(List.of("*.md", "!README*.md", "README-secret.md"), ignore.patterns());
  }

  @Test
  void anExceptionInsideAnExcludedDirectory() throws DockerfileException {
    DockerIgnore ignore = DockerIgnore.parse("target\n!target/app.jar\n");
    assertTrue(ignore.excluded("target", true));
    assertTrue(ignore.excluded("target/classes/A.class", false));
    assertFalse(ignore.excluded("target/app.jar", false));
    assertTrue(ignore.mayReinclude("target"));
    assertFalse(DockerIgnore.parse("target\n").mayReinclude("target"));
    assertFalse(DockerIgnore.parse("target\n!src/keep\n").mayReinclude("target"));
    assertTrue(DockerIgnore.parse("target\n!**/keep\n").mayReinclude("target"));
  }

  @Test
  void pathsAreCleanedBeforeMatching() throws DockerfileException {
    DockerIgnore ignore = DockerIgnore.parse("  node_modules  \n/.git\n");
    assertTrue(ignore.excluded("./node_modules/x/index.js", false));
    assertTrue(ignore.excluded("/.git/config", false));
    assertTrue(ignore.excluded(".git", true));
    assertFalse(ignore.excluded("src/.git", true));
  }

  @Test
  void commentsOnlyAtTheStartOfALineAndBlankLinesAreSkipped() throws DockerfileException {
    DockerIgnore ignore = DockerIgnore.parse("#comment\n\n   \n #notacomment\r\n");
    assertEquals(List.of("#notacomment"), ignore.patterns());
    assertFalse(ignore.excluded("comment", false));
  }

  @Test
  void nothingIsIgnoredWithoutPatterns() throws DockerfileException {
    assertFalse(DockerIgnore.empty().excluded("anything", false));
    assertFalse(DockerIgnore.parse("").excluded("anything", true));
  }

  @Test
  void badPatternsAreErrorsWithTheirLine() {
    DockerfileException bang = assertThrows(DockerfileException.class, () -> DockerIgnore.parse("a\n!\n"));
    assertEquals(2, bang.line());
    DockerfileException cls = assertThrows(DockerfileException.class, () -> DockerIgnore.parse("[a-\n"));
    assertEquals(1, cls.line());
  }
}
