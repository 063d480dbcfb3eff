package dev.lading.exec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountsTest {
  @Test
  void aNoexecMountIsToldApartByTheMountThatHoldsTheDirectory() {
    // Docker mounts /dev/shm noexec; a later mount at one point is on top of the earlier.
    List<String> mountinfo = List.of(
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
        "25 24 0:23 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k",
        "31 27 0:40 / /work/my\\040dir rw,noexec - tmpfs tmpfs rw",
        "32 27 0:41 / /work/my\\040dir rw,relatime - tmpfs tmpfs rw");
    assertTrue(Mounts.noexec(Path.of("/dev/shm/lading-nobody/build-1"), mountinfo));
    assertFalse(Mounts.noexec(Path.of("/dev/shmx"), mountinfo));
    assertFalse(Mounts.noexec(Path.of("/var/tmp"), mountinfo));
    assertFalse(Mounts.noexec(Path.of("/work/my dir/x"), mountinfo));
    assertFalse(Mounts.noexec(Path.of("/work/mydir"), mountinfo));
  }
}
