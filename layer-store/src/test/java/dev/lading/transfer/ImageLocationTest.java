package dev.lading.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.ImageReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ImageLocationTest {

  @Test
  void registryLocationsAreImageReferences() {
    ImageLocation l = ImageLocation.parse("docker://127.0.0.1:5000/src/img:1");
    assertEquals(new RegistryLocation(ImageReference.parse("127.0.0.1:5000/src/img:1")), l);
    assertEquals("docker://docker.io/library/debian:latest", ImageLocation.parse("docker://debian").text());
  }

  @Test
  void layoutsAndArchivesSplitAtTheFirstColonAfterThePrefix() {
    assertEquals(new LayoutLocation(Path.of("/tmp/layout"), "127.0.0.1:5000/app:1"),
        ImageLocation.parse("oci:/tmp/layout:127.0.0.1:5000/app:1"));
    assertEquals(new LayoutLocation(Path.of("/tmp/layout"), null), ImageLocation.parse("oci:/tmp/layout"));
    assertEquals(new DockerArchiveLocation(Path.of("a.tar"), "demo/app:1"),
        ImageLocation.parse("docker-archive:a.tar:demo/app:1"));
    assertEquals(new OciArchiveLocation(Path.of("/x/o.tar"), null), ImageLocation.parse("oci-archive:/x/o.tar"));
    assertEquals("oci-archive:/x/o.tar:app", ImageLocation.parse("oci-archive:/x/o.tar:app").text());
  }

  @Test
  void storeRefsAreNormalisedToTheFullReference() {
    assertEquals(ImageLocation.parse("store:docker.io/library/debian:latest"), ImageLocation.parse("store:debian"));
    assertEquals("docker.io/demo/app:1", ((StoreLocation) ImageLocation.parse("store:demo/app:1")).ref());
    StoreLocation local = (StoreLocation) ImageLocation.parse("store:127.0.0.1:5000/src/img:1");
    assertEquals("127.0.0.1:5000", local.reference().orElseThrow().registry());
  }

  @Test
  void badTextSaysWhatIsAccepted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageLocation.parse("debian:12"));
    assertTrue(e.getMessage().contains("unknown transport 'debian'"), e.getMessage());
    assertTrue(e.getMessage().contains("docker://debian:12"), e.getMessage());
    assertTrue(e.getMessage().contains("oci-archive:PATH[:REF]"), e.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageLocation.parse("docker:debian"))
        .getMessage().contains("docker://"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageLocation.parse("oci:"))
        .getMessage().contains("path is empty"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageLocation.parse("oci:/x:"))
        .getMessage().contains("empty"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageLocation.parse("store:Bad/Name"))
        .getMessage().contains("store:Bad/Name"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageLocation.parse("nothing"))
        .getMessage().contains("names no transport"));
  }

  @Test
  void archivesWithoutRefHaveNone() {
    assertNull(((DockerArchiveLocation) ImageLocation.parse("docker-archive:/a.tar")).ref());
  }
}
