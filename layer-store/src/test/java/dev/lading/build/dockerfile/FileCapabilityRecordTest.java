package dev.lading.build.dockerfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.Instruction;
import dev.lading.exec.ImageUser;
import dev.lading.layer.OwnershipMap;
import dev.lading.layer.OwnershipMap.Kind;
import dev.lading.layer.OwnershipMap.Ownership;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCapabilityRecordTest {
  @TempDir Path tmp;

  private static Instruction.Run run(String line) throws Exception {
    return (Instruction.Run) Dockerfile.parse("FROM scratch\n" + line + "\n").stages().get(0).instructions().get(0);
  }

  @Test
  void whatGetcapPrintedGoesIntoTheMapAndOnlyTheQuerysLinesAreTaken() throws Exception {
    assertNull(FileCapabilityRecord.forStep(run("RUN make install")));
    // A package's maintainer script may call setcap: queried only if one in the dpkg database names it.
    String packages = FileCapabilityRecord.forStep(run("RUN apt-get install -y iputils-ping"))
        .command(List.of("/bin/sh", "-c", "apt-get install -y iputils-ping")).get(2);
    assertTrue(packages.contains("grep -qs setcap /var/lib/dpkg/info/*.postinst || exit $s\n"), packages);
    FileCapabilityRecord record = FileCapabilityRecord.forStep(run("RUN setcap cap_net_raw+ep /usr/bin/ping"));
    List<String> command = record.command(List.of("/bin/sh", "-c", "setcap cap_net_raw+ep /usr/bin/ping"));
    String marker = command.get(2).replaceAll("(?s).*printf '%s %s\\\\n' '([^']+)'.*", "$1");
    assertTrue(marker.startsWith("lading-capability-"), command.get(2));
    assertFalse(command.get(2).contains("grep"), "a step that names setcap is always queried");

    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("usr/bin"));
    Files.writeString(root.resolve("usr/bin/ping"), "x");
    Files.writeString(root.resolve("usr/bin/new tool"), "x");
    long me = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    long myGroup = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
    TreeMap<String, Ownership> owners = new TreeMap<>();
    owners.put("/usr/bin", Ownership.of(Kind.DIRECTORY, 0755, 0, 0, 0, 0));
    owners.put("/usr/bin/ping", Ownership.of(Kind.FILE, 0755, 0, 0, 0, 0));
    OwnershipMap before = new OwnershipMap(OwnershipMap.VERSION, owners);
    // The step made "new tool"; faked recorded it with the building user's ids when setcap ran.
    owners.put("/usr/bin/new tool", Ownership.of(Kind.FILE, 0755, me, myGroup, 0, 0));
    Path file = tmp.resolve("owners.json");
    new OwnershipMap(OwnershipMap.VERSION, owners).saveTemporary(file);

    assertFalse(record.take("an ordinary line of the step's output"));
    assertFalse(record.take("lading-capability-0 /usr/bin/ping cap_net_raw=ep"), "another marker");
    assertTrue(record.take(marker + " /usr/bin/ping cap_net_raw=ep"));
    assertTrue(record.take(marker + " /usr/bin/new tool cap_net_bind_service=ep"));
    assertTrue(record.take(marker + " /usr/bin/gone cap_net_bind_service=ep"));
    List<String> log = new ArrayList<>();
    record.apply(root, file, before, new ImageUser(1500, 1600, "/"), log::add);

    OwnershipMap after = OwnershipMap.load(file);
    assertArrayEquals(HexFormat.of().parseHex("0100000200200000000000000000000000000000"),
        after.entries().get("/usr/bin/ping").capabilityBytes());
    assertEquals(0, after.entries().get("/usr/bin/ping").uid(), "a file faked knew keeps its owner");
    Ownership made = after.entries().get("/usr/bin/new tool");
    assertArrayEquals(HexFormat.of().parseHex("0100000200040000000000000000000000000000"), made.capabilityBytes());
    if (me != 0) {
      assertEquals(List.of(1500L, 1600L), List.of(made.uid(), made.gid()), "the step user's, as a container makes it");
    }
    assertEquals(List.of("file capabilities not kept: getcap printed a line naming no file of the step that Lading can read: "
        + "/usr/bin/gone cap_net_bind_service=ep", "file capabilities kept: /usr/bin/ping cap_net_raw=ep, "
        + "/usr/bin/new tool cap_net_bind_service=ep"), log);
  }
}
