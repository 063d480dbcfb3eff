package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageUserTest {
  @TempDir Path root;

  @BeforeEach
  void setUp() throws IOException {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
        + "app:x:1000:1001:App:/home/app:/bin/sh\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\nstaff:x:50:\napp:x:1001:\n");
  }

  @Test
  void namesAndIdsResolveAgainstTheImagesOwnFiles() throws IOException {
    assertEquals(ImageUser.ROOT, ImageUser.resolve(root, ""));
    assertEquals(new ImageUser(1000, 1001, "/home/app"), ImageUser.resolve(root, "app"));
    assertEquals(new ImageUser(1000, 1001, "/home/app"), ImageUser.resolve(root, "1000"));
    assertEquals(new ImageUser(1000, 50, "/home/app"), ImageUser.resolve(root, "app:staff"));
    assertEquals(new ImageUser(4242, 7, "/"), ImageUser.resolve(root, "4242:7"));
  }

  @Test
  void anUnknownNameSaysWhatToDo() {
    ExecutorException e = assertThrows(ExecutorException.class, () -> ImageUser.resolve(root, "nobody"));
    assertTrue(e.getMessage().contains("unable to find user nobody"), e.getMessage());
    assertThrows(ExecutorException.class, () -> ImageUser.resolve(root, "app:wheel"));
  }
}
