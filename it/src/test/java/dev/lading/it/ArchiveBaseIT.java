package dev.lading.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.model.ImageReference;
import dev.lading.store.Store;
import dev.lading.testing.LocalRegistry;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import dev.lading.transfer.CopyOptions;
import dev.lading.transfer.DockerArchiveLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.StoreLocation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plugin page's recipe for a base image that arrives as a file (no registry has it): put the
 * docker-archive in the store under a name (as `lading copy docker-archive:... store:NAME` does), then
 * build and push with that name pinned by digest. The base is never looked up in a registry; its
 * layers go to the target registry from the store.
 */
class ArchiveBaseIT {
  private static NestedMaven maven;
  private static LocalRegistry source;
  private static LocalRegistry target;

  @BeforeAll
  static void registries() throws IOException {
    RequiredTool.require("docker-registry", "docker-registry");
    RequiredTool.require("skopeo", "skopeo");
    maven = new NestedMaven("archive-base");
    source = LocalRegistry.start();
    target = LocalRegistry.start();
    NestedMaven.pushBaseImage(source.hostPort());
  }

  @AfterAll
  static void stop() {
    for (LocalRegistry r : new LocalRegistry[] {source, target}) {
      if (r != null) {
        r.close();
      }
    }
  }

  @Test
  void aBaseFromADockerArchiveIsBuiltOnAndPushedFromTheStore() throws IOException {
    // The file a colleague would hand over: `docker save`'s format, made here by skopeo.
    Path archive = maven.work().resolve("jre.tar");
    Processes.check(List.of("skopeo", "copy", "--src-tls-verify=false", "docker://" + source.hostPort()
        + "/library/jre:17", "docker-archive:" + archive + ":library/jre:17"), 300);
    source.close(); // from here on no registry has the base

    Path storeDir = maven.work().resolve("store");
    ImageReference name = ImageReference.parse("corp.example.com/base/jre:17");
    String digest = ImageTransfer.builder().store(Store.open(storeDir)).offline(true).build()
        .copy(new DockerArchiveLocation(archive, null), StoreLocation.of(name), CopyOptions.defaults())
        .written().digest().toString();

    Path project = maven.copyProject("hello", "archive-base");
    Processes.Result r = maven.mvn(maven.settings("settings.xml", ""), project, target.hostPort(),
        "package", "image:build", "image:push", "-Dimage.store=" + storeDir,
        "-Dimage.from.image=" + name + "@" + digest, "-Dimage.to.image=" + target.hostPort() + "/demo/archive:1.0");
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("0 mounted"), r.output());

    // The archive's layers (as diff_ids: an archive holds them uncompressed) come first in the image.
    List<String> pushed = Skopeo.strings(Skopeo.json("inspect", "--tls-verify=false", "--config",
        "docker://" + target.hostPort() + "/demo/archive:1.0").get("rootfs").get("diff_ids"));
    List<String> base = Skopeo.strings(Skopeo.json("inspect", "--config", "docker-archive:" + archive)
        .get("rootfs").get("diff_ids"));
    assertEquals(base, pushed.subList(0, base.size()), pushed.toString());
    assertEquals(base.size() + 5, pushed.size(), "and the hello app's five layers after them");
  }
}
