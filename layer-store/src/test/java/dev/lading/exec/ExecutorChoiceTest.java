package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExecutorChoiceTest {
  private static Libc glibc(String version) {
    return new Libc(Libc.Kind.GLIBC, version);
  }

  @Test
  void onlyAnOlderGlibcTakesItsOwnReleasesFakechroot() {
    assertTrue(ExecutorChoice.olderGlibc(glibc("2.31"), glibc("2.36")));
    assertTrue(ExecutorChoice.olderGlibc(glibc("2.9"), glibc("2.36")), "versions compare as numbers");
    assertFalse(ExecutorChoice.olderGlibc(glibc("2.36"), glibc("2.36")));
    assertFalse(ExecutorChoice.olderGlibc(glibc("2.41"), glibc("2.36")));
    assertFalse(ExecutorChoice.olderGlibc(glibc(""), glibc("2.36")), "an unknown version is not older");
    assertFalse(ExecutorChoice.olderGlibc(new Libc(Libc.Kind.MUSL, ""), glibc("2.36")));
    assertFalse(ExecutorChoice.olderGlibc(new Libc(Libc.Kind.NONE, ""), glibc("2.36")));
  }
}
