package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class GitSourcesTest {
  @Test
  void aSourceIsSplitAsBuildKitReadsItsFragment() {
    assertEquals(new GitSources.GitRef("https://h/r.git", "v1", "docs"), GitSources.GitRef.parse("https://h/r.git#v1:docs"));
    assertEquals(new GitSources.GitRef("git@h:o/r.git", "main", ""), GitSources.GitRef.parse("git@h:o/r.git#main"));
    assertEquals(new GitSources.GitRef("https://h/r.git", "", "sub"), GitSources.GitRef.parse("https://h/r.git#:sub"));
    assertEquals(new GitSources.GitRef("https://h/r.git", "", ""), GitSources.GitRef.parse("https://h/r.git"));
  }

  @Test
  void aRefIsATagPeeledThenABranchThenHead() {
    String listed = "1111111111111111111111111111111111111111\tHEAD\n"
        + "2222222222222222222222222222222222222222\trefs/heads/v1\n"
        + "3333333333333333333333333333333333333333\trefs/tags/v1\n"
        + "4444444444444444444444444444444444444444\trefs/tags/v1^{}\n";
    assertEquals("4444444444444444444444444444444444444444", GitSources.pick(listed, "v1"), "the commit of an annotated tag");
    assertEquals("1111111111111111111111111111111111111111", GitSources.pick(listed, "HEAD"));
    assertNull(GitSources.pick(listed, "v2"));
  }
}
