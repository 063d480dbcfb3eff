package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.ImageReference;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageListFileTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void readsOneImageALineSkippingCommentsAndBlankLines() {
    String text = "# bases for the CI cache\n"
        + "\n"
        + "  eclipse-temurin:17-jre  \n"
        + "127.0.0.1:5000/library/minimal:1   # the test base\n"
        + "\t\n"
        + "ghcr.io/owner/app@" + DIGEST + "\r\n"
        + "eclipse-temurin:17-jre\n";
    assertEquals(List.of(ImageReference.parse("docker.io/library/eclipse-temurin:17-jre"),
        ImageReference.parse("127.0.0.1:5000/library/minimal:1"),
        ImageReference.parse("ghcr.io/owner/app@" + DIGEST)),
        ImageListFile.parse(text, "images.txt"));
  }

  @Test
  void anEmptyOrCommentOnlyFileHasNoImages() {
    assertEquals(List.of(), ImageListFile.parse("", "images.txt"));
    assertEquals(List.of(), ImageListFile.parse("# nothing yet\n\n", "images.txt"));
  }

  @Test
  void aBadLineIsNamedByFileAndLineNumber() {
    IllegalArgumentException twoOnALine = assertThrows(IllegalArgumentException.class,
        () -> ImageListFile.parse("debian:12\ndebian:12 alpine:3\n", "images.txt"));
    assertTrue(twoOnALine.getMessage().startsWith("images.txt:2: one image a line"), twoOnALine.getMessage());

    IllegalArgumentException notAReference = assertThrows(IllegalArgumentException.class,
        () -> ImageListFile.parse("# ok\nDebian:12:x\n", "stdin"));
    assertTrue(notAReference.getMessage().startsWith("stdin:2: "), notAReference.getMessage());
  }
}
