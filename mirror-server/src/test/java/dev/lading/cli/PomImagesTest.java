package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.build.SeedImage;
import dev.lading.model.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PomImagesTest {
  @TempDir Path dir;

  private Path write(String path, String text) throws IOException {
    Path file = dir.resolve(path);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  private static String pom(String body) {
    return "<?xml version=\"1.0\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n"
        + "<modelVersion>4.0.0</modelVersion>\n" + body + "\n</project>\n";
  }

  private static String plugin(String groupId, String artifactId, String configuration) {
    return "<plugin><groupId>" + groupId + "</groupId><artifactId>" + artifactId + "</artifactId>"
        + "<configuration>" + configuration + "</configuration></plugin>";
  }

  private static SeedImage image(String reference, String writtenAs) {
    return new SeedImage(ImageReference.parse(reference), writtenAs);
  }

  @Test
  void readsOurPluginJibAndModulesWithProperties() throws IOException {
    Path root = write("pom.xml", pom("<groupId>g</groupId><artifactId>parent</artifactId><version>1</version>"
        + "<properties><registry>127.0.0.1:5000</registry><jre>${registry}/library/jre:17</jre></properties>"
        + "<modules><module>app</module><module>web</module><module>tool</module></modules>"
        + "<build><pluginManagement><plugins>"
        + plugin("dev.lading", "image-maven-plugin", "<from><image>${jre}</image></from>"
            + "<seed><image>${registry}/tools/helper:${project.version}</image></seed>")
        + "</plugins></pluginManagement></build>"));
    // A module with a Dockerfile base: its FROM lines, expanded with <buildArgs>, keep the text written.
    write("app/pom.xml", pom("<parent><groupId>g</groupId><artifactId>parent</artifactId><version>1</version>"
        + "</parent><artifactId>app</artifactId>"
        + "<build><plugins>" + plugin("dev.lading", "image-maven-plugin",
            "<from><dockerfile>src/main/docker/Dockerfile</dockerfile></from>"
            + "<buildArgs><BASE_TAG>12</BASE_TAG></buildArgs>")
        + "</plugins></build>"));
    write("app/src/main/docker/Dockerfile", "ARG BASE_TAG=11\n"
        + "FROM 127.0.0.1:5000/library/debian:${BASE_TAG} AS build\nRUN true\n"
        + "FROM build\nFROM scratch\nFROM 127.0.0.1:5000/library/minimal@sha256:" + "cd".repeat(32) + "\n");
    // A Jib module in an execution, and a plugin that is neither (its <from> is not an image).
    write("web/pom.xml", pom("<artifactId>web</artifactId><build><plugins>"
        + "<plugin><groupId>com.google.cloud.tools</groupId><artifactId>jib-maven-plugin</artifactId>"
        + "<executions><execution><configuration><from><image>eclipse-temurin:17-jre</image></from>"
        + "</configuration></execution></executions></plugin>"
        + plugin("org.example", "other-plugin", "<from><image>not/for:seeding</image></from>")
        + "</plugins></build>"));
    write("tool/pom.xml", pom("<artifactId>tool</artifactId>"));

    assertEquals(List.of(
        image("127.0.0.1:5000/library/jre:17", null),
        image("127.0.0.1:5000/tools/helper:1", null),
        image("127.0.0.1:5000/library/debian:12", "127.0.0.1:5000/library/debian:12"),
        image("127.0.0.1:5000/library/minimal@sha256:" + "cd".repeat(32),
            "127.0.0.1:5000/library/minimal@sha256:" + "cd".repeat(32)),
        image("docker.io/library/eclipse-temurin:17-jre", null)),
        PomImages.read(root));
  }

  @Test
  void aDirectoryMeansItsPomXml() throws IOException {
    write("pom.xml", pom("<build><plugins>" + plugin("dev.lading", "image-maven-plugin",
        "<dockerfile>Dockerfile</dockerfile>") + "</plugins></build>"));
    write("Dockerfile", "FROM debian:12\n");
    assertEquals(List.of(image("docker.io/library/debian:12", "debian:12")), PomImages.read(dir));
  }

  @Test
  void aFromImagePropertyOverridesTheConfigurationAsInThePlugins() throws IOException {
    Path pom = write("pom.xml", pom("<properties><jib.from.image>busybox:1.36</jib.from.image></properties>"
        + "<build><plugins>" + plugin("dev.lading", "image-maven-plugin",
            "<from><image>debian:12</image></from>") + "</plugins></build>"));
    assertEquals(List.of(image("docker.io/library/busybox:1.36", null)), PomImages.read(pom));
  }

  @Test
  void anUndefinedPropertyIsAnErrorNamingItAndThePom() throws IOException {
    Path pom = write("pom.xml", pom("<build><plugins>" + plugin("dev.lading", "image-maven-plugin",
        "<from><image>${base.image}</image></from>") + "</plugins></build>"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PomImages.read(pom));
    assertTrue(e.getMessage().contains(pom.toString()) && e.getMessage().contains("${base.image}")
        && e.getMessage().contains("<from><image>"), e.getMessage());
  }

  @Test
  void aMissingModuleOrDockerfileAndBadXmlAreErrors() throws IOException {
    Path pom = write("pom.xml", pom("<modules><module>gone</module></modules>"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PomImages.read(pom)).getMessage()
        .contains("no POM at " + dir.resolve("gone/pom.xml")));

    write("pom.xml", pom("<build><plugins>" + plugin("dev.lading", "image-maven-plugin",
        "<from><dockerfile>missing/Dockerfile</dockerfile></from>") + "</plugins></build>"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PomImages.read(pom)).getMessage()
        .contains("missing/Dockerfile does not exist"));

    write("pom.xml", "<project><build>");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PomImages.read(pom)).getMessage()
        .contains("is not a readable POM"));
  }

  @Test
  void aDoctypeIsRefusedSoNoEntityIsRead() throws IOException {
    Path secret = write("secret.txt", "registry.example/secret:1");
    Path pom = write("pom.xml", "<?xml version=\"1.0\"?><!DOCTYPE project [<!ENTITY s SYSTEM \"file://"
        + secret + "\">]><project><build><plugins>" + plugin("dev.lading", "image-maven-plugin",
            "<from><image>&s;</image></from>") + "</plugins></build></project>");
    assertThrows(IllegalArgumentException.class, () -> PomImages.read(pom));
  }
}
