package dev.lading.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class FileErrorsTest {
  @Test
  void theTwoErrorsWhoseMessageIsOnlyAPathSayWhatHappened() {
    assertEquals("permission denied: /ctx/a", FileErrors.describe(new AccessDeniedException("/ctx/a")));
    assertEquals("no such file: /ctx/b", FileErrors.describe(new NoSuchFileException("/ctx/b")));
  }

  @Test
  void aWrappedOneIsFoundUnderItsWrapper() {
    assertEquals("permission denied: /ctx/a",
        FileErrors.describe(new UncheckedIOException(new AccessDeniedException("/ctx/a"))));
  }

  @Test
  void otherErrorsKeepTheirMessageOrSayTheirKind() {
    assertEquals("disk quota exceeded", FileErrors.describe(new IOException("disk quota exceeded")));
    assertEquals("IOException", FileErrors.describe(new IOException()));
  }
}
