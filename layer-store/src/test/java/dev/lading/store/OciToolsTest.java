package dev.lading.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store is a valid OCI layout for the real tools: skopeo and umoci find refs and read blobs. */
class OciToolsTest {
  private static final String COLON_REF = "127.0.0.1:5000/demo/app:1.0";

  @TempDir Path dir;

  private Store storeWithImage(String text, String... refs) throws IOException {
    Store store = Store.open(dir.resolve("store"));
    Descriptor image = TestImages.put(store, text);
    for (String ref : refs) {
      store.setRef(ref, image);
    }
    // Leave some of Lading's private working files around: the tools must ignore them.
    try (BlobWriter partial = store.resumableWriter(Digest.ofUtf8("unfinished download"))) {
      partial.write("unfin".getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(store.root().resolve(".lading/tmp/blob-leftover.tmp"), "junk");
    return store;
  }

  @Test
  void skopeoInspectsRefsIncludingOnesWithColons() throws IOException {
    Path skopeo = RequiredTool.require("skopeo", "skopeo");
    Store store = storeWithImage("for skopeo", COLON_REF, "plain");
    for (String ref : List.of(COLON_REF, "plain")) {
      Descriptor manifest = store.ref(ref).orElseThrow();
      String inspect = Processes.check(
          List.of(skopeo.toString(), "inspect", "oci:" + store.root() + ":" + ref), 60);
      JsonNode info = Json.mapper().readTree(inspect);
      assertEquals(manifest.digest().toString(), info.get("Digest").asText(), inspect);
      assertEquals("linux", info.get("Os").asText());
      String raw = Processes.check(
          List.of(skopeo.toString(), "inspect", "--raw", "oci:" + store.root() + ":" + ref), 60);
      assertArrayEquals(store.bytes(manifest.digest()), raw.getBytes(StandardCharsets.UTF_8));
    }
    // A full copy makes skopeo read and verify every blob.
    Path copy = dir.resolve("copy");
    Processes.check(List.of(skopeo.toString(), "copy", "oci:" + store.root() + ":" + COLON_REF,
        "oci:" + copy + ":copied"), 120);
    Store copied = Store.open(copy);
    assertEquals(store.ref(COLON_REF).orElseThrow().digest(),
        copied.ref("copied").orElseThrow().digest(), "a layout skopeo wrote is adopted as refs");
    assertTrue(copied.fsck().clean());
  }

  @Test
  void umociUnpacksRefsIncludingOnesWithColons() throws IOException {
    Path umoci = RequiredTool.require("umoci", "umoci");
    Store store = storeWithImage("for umoci", COLON_REF, "plain");
    String ls = Processes.check(List.of(umoci.toString(), "ls", "--layout", store.root().toString()), 60);
    assertEquals(List.of(COLON_REF, "plain"), ls.lines().toList());
    for (String ref : List.of(COLON_REF, "plain")) {
      Path bundle = dir.resolve("bundle-" + ref.hashCode());
      Processes.check(List.of(umoci.toString(), "unpack", "--rootless", "--image",
          store.root() + ":" + ref, bundle.toString()), 120);
      assertEquals("for umoci", Files.readString(bundle.resolve("rootfs/hello.txt")));
      assertTrue(Files.isRegularFile(bundle.resolve("config.json")));
    }
    assertTrue(store.fsck().clean(), "umoci did not disturb the store");
  }

  /** What the tools accept as a ref name is exactly {@link Store#isOciRefName}. */
  @Test
  void isOciRefNameAgreesWithSkopeoAndUmoci() throws IOException {
    Path skopeo = RequiredTool.require("skopeo", "skopeo");
    Path umoci = RequiredTool.require("umoci", "umoci");
    Store store = Store.open(dir.resolve("store"));
    List<String> names = List.of("plain", COLON_REF, "a@b", "a+b", "a--b", "Up/Case:Tag", "x__y",
        "a b", "ünï", "x/../y", "-lead", "trail.", "a//b", "a:b:c");
    for (String name : names) {
      boolean skopeoSyntaxOk = !Processes.run(List.of(skopeo.toString(), "inspect", "--raw",
          "oci:" + store.root() + ":" + name), 60).output().contains("Invalid image");
      boolean umociSyntaxOk = !Processes.run(List.of(umoci.toString(), "unpack", "--rootless",
          "--image", store.root() + ":" + name, dir.resolve("b").toString()), 60).output()
          .contains("invalid characters");
      assertEquals(skopeoSyntaxOk, Store.isOciRefName(name), "skopeo on '" + name + "'");
      assertEquals(umociSyntaxOk, Store.isOciRefName(name), "umoci on '" + name + "'");
    }
    assertTrue(Store.isOciRefName(COLON_REF));
    assertFalse(Store.isOciRefName("x__y"));
  }
}
