package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's launcher, {@code bin/lading}, as a user runs it: through a symlink, from another
 * directory, as {@code nobody} with no home, with the class-data-sharing archive or without one.
 */
class LauncherIT {
  private static final Path DIST = Path.of(System.getProperty("lading.dist", "target/lading-dist"));
  private static final String JAVA_HOME = System.getProperty("java.home");

  @TempDir Path tmp;

  /** A copy of the distribution that nobody can read, and a symlink to its launcher elsewhere. */
  private Path installed() throws IOException {
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Path home = tmp.resolve("opt/lading");
    Files.createDirectories(home.getParent());
    Processes.check(List.of("cp", "-R", DIST.toString(), home.toString()), 60);
    Files.createDirectories(tmp.resolve("bin"));
    Path link = Files.createSymbolicLink(tmp.resolve("bin/lading"), home.resolve("bin/lading"));
    Processes.check(List.of("chmod", "-R", "a+rwX", tmp.toString()), 60);
    return link;
  }

  /** Runs the launcher as nobody (when root) with HOME=/nonexistent, from / , with {@code env}. */
  private static Processes.Result run(Path launcher, List<String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    if (AsNobody.root()) {
      command.addAll(List.of("runuser", "-u", "nobody", "--"));
    }
    command.addAll(List.of("env", "-C", "/", "HOME=/nonexistent", "PATH=/usr/bin:/bin"));
    command.addAll(env);
    command.add(launcher.toString());
    command.addAll(List.of(args));
    return Processes.run(command, 300);
  }

  private static String ok(Processes.Result r) {
    assertEquals(0, r.exitCode(), r.output());
    return r.output();
  }

  @Test
  void runsAsNobodyWithNoHomeThroughASymlinkAndInspectsAStoreImage() throws Exception {
    Path lading = installed();
    assertTrue(ok(run(lading, List.of("JAVA_HOME=" + JAVA_HOME), "--version")).startsWith("lading "));

    String layout = AsNobody.baseImage("minimal", tmp.resolve("base"));
    Path store = tmp.resolve("store");
    ok(run(lading, List.of(), "copy", "--quiet", layout, "store:it/minimal:1", "--store", store.toString()));
    String inspected = ok(run(lading, List.of(), "inspect", "store:it/minimal:1", "--store", store.toString()));
    assertTrue(inspected.contains("sha256:"), inspected);
    // Under the POSIX locale (a CI container with no LANG) a non-ASCII file name still works.
    Path accented = tmp.resolve("d\u00fcr");
    ok(run(lading, List.of("LC_ALL=", "LC_CTYPE=", "LANG=C"), "copy", "--quiet", "store:it/minimal:1",
        "oci:" + accented + ":x", "--store", store.toString()));
    assertTrue(Files.isRegularFile(accented.resolve("index.json")));
    // Without the launcher (java -jar), the JVM cannot name it, and the error says what to do.
    Processes.Result bare = Processes.run(List.of("env", "LC_ALL=", "LC_CTYPE=", "LANG=C",
        Path.of(JAVA_HOME, "bin", "java").toString(), "-jar", DIST.resolve("lib/lading.jar").toString(), "copy",
        "--quiet", "store:it/minimal:1", "oci:" + tmp.resolve("d\u00fcr2") + ":x", "--store", store.toString()), 120);
    assertEquals(1, bare.exitCode(), bare.output());
    assertTrue(bare.output().contains("start it with a UTF-8 locale: export LC_ALL=C.UTF-8"), bare.output());
    // No home and no XDG_CACHE_HOME: no per-user archive, and nothing written next to the launcher.
    try (Stream<Path> lib = Files.list(lading.toRealPath().getParent().resolveSibling("lib"))) {
      assertEquals(List.of("lading.classlist", "lading.jar", "lading.jsa", "lading.jsa.key"),
          lib.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void makesAPerUserArchiveOnceWhenTheShippedOneIsForAnotherPath() throws Exception {
    Path lading = installed();
    Path cache = tmp.resolve("cache");
    List<String> env = List.of("XDG_CACHE_HOME=" + cache);
    ok(run(lading, env, "--version"));
    Path cds = cache.resolve("lading/cds");
    List<Path> archives;
    try (Stream<Path> files = Files.list(cds)) {
      archives = files.toList();
    }
    assertEquals(1, archives.size(), archives.toString());
    assertTrue(archives.get(0).toString().endsWith(".jsa"), archives.toString());
    // The next run maps it: the CLI's own classes come from the archive.
    String loaded = ok(run(lading, List.of("XDG_CACHE_HOME=" + cache,
        "LADING_OPTS=-Xlog:class+load=info"), "--version"));
    assertTrue(loaded.lines().anyMatch(l -> l.contains("dev.lading.cli.Main source: shared objects file")),
        loaded.lines().filter(l -> l.contains("dev.lading")).findFirst().orElse(loaded));

    // A rebuilt jar (newer than the archive) gets a new archive rather than one the JVM refuses.
    Path jar = lading.toRealPath().getParent().resolveSibling("lib/lading.jar");
    java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(archives.get(0));
    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(before.toMillis() + 60_000));
    ok(run(lading, env, "--version"));
    assertTrue(Files.getLastModifiedTime(archives.get(0)).compareTo(before) > 0, "archive not remade");
    String remade = ok(run(lading, List.of("XDG_CACHE_HOME=" + cache,
        "LADING_OPTS=-Xlog:class+load=info"), "--version"));
    assertTrue(remade.lines().anyMatch(l -> l.contains("dev.lading.cli.Main source: shared objects file")),
        remade.lines().filter(l -> l.contains("dev.lading")).findFirst().orElse(remade));
  }

  @Test
  void usesTheShippedArchiveInPlace() throws Exception {
    Path launcher = DIST.resolve("bin/lading").toAbsolutePath();
    Processes.Result r = Processes.run(List.of("env", "LADING_OPTS=-Xlog:class+load=info",
        launcher.toString(), "--version"), 120);
    assertTrue(ok(r).lines().anyMatch(l -> l.contains("dev.lading.cli.Main source: shared objects file")),
        r.output());
  }

  @Test
  void honoursJavaHomeAndPutsTheUsersOptionsLast() throws Exception {
    Path lading = installed();
    Processes.Result missing = run(lading, List.of("JAVA_HOME=/nonexistent"), "--version");
    assertEquals(1, missing.exitCode(), missing.output());
    assertTrue(missing.output().contains("JAVA_HOME=/nonexistent has no bin/java"), missing.output());

    String flags = ok(run(lading, List.of("JAVA_HOME=" + JAVA_HOME, "JAVA_OPTS=-XX:+PrintCommandLineFlags",
        "LADING_OPTS=-Xmx300m"), "--version"));
    assertTrue(flags.contains("-XX:+UseSerialGC"), flags);
    assertTrue(flags.contains("-XX:MaxHeapSize=314572800"), flags);
  }
}
