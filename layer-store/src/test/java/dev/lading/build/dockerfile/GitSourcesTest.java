package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GitSourcesTest {
  @Test
  void aSourceIsSplitAsBuildKitReadsItsFragmentAndQuery() throws Exception {
    assertEquals(ref("https://h/r.git", "v1", "docs"), GitSources.GitRef.parse("https://h/r.git#v1:docs"));
    assertEquals(ref("git@h:o/r.git", "main", ""), GitSources.GitRef.parse("git@h:o/r.git#main"));
    assertEquals(ref("https://h/r.git", "", "sub"), GitSources.GitRef.parse("https://h/r.git#:sub"));
    assertEquals(ref("https://h/r.git", "", ""), GitSources.GitRef.parse("https://h/r.git"));
    assertEquals(new GitSources.GitRef("https://h/r.git", "refs/tags/v1", "docs", "abc", true, false),
        GitSources.GitRef.parse("https://h/r.git?tag=v1&subdir=docs&checksum=abc&keep-git-dir&submodules=false"));
    assertEquals(ref("https://h/r.git", "refs/heads/dev", ""), GitSources.GitRef.parse("https://h/r.git?branch=dev"));
    BuildException conflict = assertThrows(BuildException.class,
        () -> GitSources.GitRef.parse("https://h/r.git?ref=a#b"));
    assertTrue(conflict.getMessage().contains("ref conflicts: b vs a"), conflict.getMessage());
    assertThrows(BuildException.class, () -> GitSources.GitRef.parse("https://h/r.git?depth=1"));
  }

  private static GitSources.GitRef ref(String remote, String ref, String subdir) {
    return new GitSources.GitRef(remote, ref, subdir, "", null, true);
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
