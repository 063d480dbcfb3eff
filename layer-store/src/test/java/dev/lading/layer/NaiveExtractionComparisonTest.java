package dev.lading.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lading.layer.AttackCorpus.Attack;
import dev.lading.layer.AttackCorpus.Outcome;
import dev.lading.layer.AttackCorpus.Sandbox;
import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import dev.lading.testing.TestFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the attack corpus through naive extractors to show the attacks are real and to document which
 * ones GNU tar already blocks. Observed with GNU tar 1.34: by default it blocks every attack contained
 * in a single archive (it skips {@code ..} members and link targets, strips leading slashes, and delays
 * creating symlinks that point up or out until the end of the archive), but applying layers one after
 * another lets a symlink left by an earlier layer be written through (including the {@code .wh.} marker
 * files, since GNU tar knows no whiteouts). With {@code -P} almost everything escapes; it still unlinks
 * a symlink before writing a file over it. A plain commons-compress loop that resolves names against
 * the root escapes in nearly every case.
 */
class NaiveExtractionComparisonTest {
  @TempDir Path tmp;

  @Test
  void naiveExtractorsEscapeWhereDocumented() throws IOException {
    RequiredTool.require("tar", "tar");
    List<String> mismatches = new ArrayList<>();
    int attack = 0;
    for (Attack template : AttackCorpus.attacks(Sandbox.create(tmp.resolve("template")))) {
      attack++;
      check(attack, template.name(), "gnu-tar", template.gnuTar(), mismatches,
          (sandbox, layer) -> gnuTar(sandbox, layer, List.of()));
      check(attack, template.name(), "gnu-tar-P", template.gnuTarAbsoluteNames(), mismatches,
          (sandbox, layer) -> gnuTar(sandbox, layer, List.of("-P")));
      check(attack, template.name(), "naive-loop", template.naiveLoop(), mismatches,
          NaiveExtractionComparisonTest::naiveLoop);
    }
    assertEquals(List.of(), mismatches);
  }

  interface Extractor {
    void apply(Sandbox sandbox, byte[] layer) throws IOException;
  }

  private void check(int index, String name, String tool, Outcome expected, List<String> mismatches,
      Extractor extractor) throws IOException {
    Path dir = tmp.resolve(index + "-" + tool);
    Sandbox sandbox = Sandbox.create(dir);
    // The corpus embeds this sandbox's absolute paths.
    Attack attack = AttackCorpus.attacks(sandbox).stream()
        .filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    Map<String, String> before = sandbox.outsideSnapshot();
    for (byte[] layer : attack.layers()) {
      extractor.apply(sandbox, layer);
    }
    Outcome actual = before.equals(sandbox.outsideSnapshot()) ? Outcome.BLOCKED : Outcome.ESCAPES;
    if (actual != expected) {
      mismatches.add(name + " with " + tool + ": expected " + expected + " but " + actual);
    }
    TestFiles.deleteRecursively(dir);
  }

  private static void gnuTar(Sandbox sandbox, byte[] layer, List<String> flags) throws IOException {
    Path file = Files.createTempFile(sandbox.root().getParent(), "layer", ".tar");
    Files.write(file, layer);
    List<String> command = new ArrayList<>(List.of("tar"));
    command.addAll(flags);
    command.addAll(List.of("-xf", file.toString(), "-C", sandbox.root().toString()));
    // GNU tar exits 2 when it skips members; that is its defence, not a test failure.
    Processes.run(command, 60);
    Files.delete(file);
  }

  /** What a quick hand-written extractor does: resolve names against the root and follow whatever is there. */
  private static void naiveLoop(Sandbox sandbox, byte[] layer) throws IOException {
    Path root = sandbox.root();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(layer))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        Path path = root.resolve(e.getName());
        String base = path.getFileName() == null ? "" : path.getFileName().toString();
        try {
          if (base.equals(".wh..wh..opq")) {
            try (Stream<Path> children = Files.list(path.getParent())) {
              for (Path child : (Iterable<Path>) children::iterator) {
                TestFiles.deleteRecursively(child);
              }
            }
          } else if (base.startsWith(".wh.")) {
            Files.deleteIfExists(path.getParent().resolve(base.substring(4)));
          } else if (e.isDirectory()) {
            Files.createDirectories(path);
            Files.setPosixFilePermissions(path, Set.of(PosixFilePermission.values()));
          } else if (e.isSymbolicLink()) {
            Files.createDirectories(path.getParent());
            Files.deleteIfExists(path);
            Files.createSymbolicLink(path, Path.of(e.getLinkName()));
          } else if (e.isLink()) {
            Files.createLink(path, root.resolve(e.getLinkName()));
          } else {
            Files.createDirectories(path.getParent());
            Files.write(path, in.readAllBytes());
          }
        } catch (IOException ignored) {
          // A naive loop carries on past entries it cannot handle.
        }
      }
    }
  }
}
