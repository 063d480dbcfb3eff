package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lading.digest.Digest;
import dev.lading.layer.ExpectedTree;
import dev.lading.layer.ExpectedTree.Privilege;
import dev.lading.layer.HostileLayers;
import dev.lading.layer.HostileLayers.Case;
import dev.lading.layer.HostileLayers.Outcome;
import dev.lading.testing.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@link HostileLayers}, unpacked by the real {@code lading unpack} as the invoking user
 * (root in CI) and as {@code nobody} with an unwritable home: each extracts what a runtime would see or
 * refuses with one line naming the entry and the layer, never changes anything beside DEST, never hangs.
 */
class HostileUnpackIT {
  private static final long TIMEOUT_SECONDS = Long.getLong("hostile.timeout", 20);
  private static final String REF = "hostile";
  private static final String NOBODY = "nobody";
  /** A home nobody cannot create: the CLI must not need one for a layout-to-directory unpack. */
  private static final String UNWRITABLE_HOME = "/nonexistent";
  /** The case the no-store runs unpack: it needs a real extraction but nothing unusual. */
  private static final String PLAIN_CASE = "dotdot-name";

  private static Path work;
  private static Path jar;

  /** Who runs the CLI, and so what it can create (device nodes, owners). */
  private record Mode(String name, boolean asNobody, Privilege privilege) {}

  @BeforeAll
  static void prepare() throws IOException {
    RequiredTool.require("timeout", "coreutils");
    RequiredTool.require("find", "findutils");
    // Made by hand, not @TempDir: nobody must be able to traverse it, and only rm can delete the
    // names that are not UTF-8 that a case may leave behind.
    work = Files.createTempDirectory("hostile-unpack");
    openToAll(work);
    Path built = Path.of(System.getProperty("lading.jar", "target/lading.jar"));
    if (!Files.isRegularFile(built)) {
      throw new IllegalStateException(built + " is missing: run 'mvn package' first");
    }
    // A copy nobody can read wherever the checkout lives.
    jar = Files.copy(built, work.resolve("lading.jar"), StandardCopyOption.REPLACE_EXISTING);
    openToAll(jar);
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (work != null && !Boolean.getBoolean("hostile.keep")) {
      new ProcessBuilder("rm", "-rf", "--", work.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @TestFactory
  Stream<DynamicTest> asTheInvokingUser() {
    Mode mode = new Mode("invoking-user", false, runningAsRoot() ? Privilege.ROOT : Privilege.UNPRIVILEGED);
    return caseNames().map(name -> DynamicTest.dynamicTest(name, () -> unpackCase(mode, name, true)));
  }

  @TestFactory
  Stream<DynamicTest> asNobody() {
    Mode mode = nobodyMode();
    return caseNames().map(name -> DynamicTest.dynamicTest(name, () -> unpackCase(mode, name, true)));
  }

  @Test
  void withoutAStoreAsTheInvokingUser() throws Exception {
    unpackCase(new Mode("invoking-user-no-store", false,
        runningAsRoot() ? Privilege.ROOT : Privilege.UNPRIVILEGED), PLAIN_CASE, false);
  }

  @Test
  void withoutAStoreAsNobodyWithAnUnwritableHome() throws Exception {
    Mode nobody = nobodyMode();
    unpackCase(new Mode("nobody-no-store", true, nobody.privilege()), PLAIN_CASE, false);
  }

  /** Every case, or those listed in {@code -Dhostile.cases=a,b} when working on a few. */
  private static Stream<String> caseNames() {
    Set<String> only = Set.of(System.getProperty("hostile.cases", "").split(","));
    return HostileLayers.cases(Path.of("/victim")).stream().map(Case::name)
        .filter(name -> only.equals(Set.of("")) || only.contains(name));
  }

  private static Mode nobodyMode() {
    if (!runningAsRoot()) {
      String message = "the nobody mode needs root to switch user with runuser; run the IT as root";
      if (RequiredTool.isCi()) {
        fail(message + " (CI must)");
      }
      Assumptions.abort(message);
    }
    RequiredTool.require("runuser", "util-linux");
    return new Mode("nobody", true, Privilege.UNPRIVILEGED);
  }

  /** Unpacks one case in a fresh parent holding DEST and a victim, then checks outcome and surroundings. */
  private void unpackCase(Mode mode, String name, boolean withStore) throws Exception {
    Path base = Files.createDirectories(work.resolve(mode.name()).resolve(name));
    Path parent = Files.createDirectories(base.resolve("parent"));
    Path victim = parent.resolve("victim");
    Path dest = Files.createDirectories(parent.resolve("dest"));
    Case c = HostileLayers.named(name, victim);
    Path layout = base.resolve("layout");
    c.writeLayout(layout, REF);
    openToAll(base);
    createVictim(victim); // after openToAll: its secret keeps mode 0600
    if (mode.asNobody()) {
      chownTree(parent, NOBODY);
    }
    Path store = null;
    if (withStore) {
      store = Files.createDirectories(work.resolve("stores").resolve(mode.name()));
      Files.setPosixFilePermissions(store.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
      if (mode.asNobody()) {
        chownTree(store, NOBODY);
      }
    }
    Map<String, String> before = snapshotOutside(parent, dest);

    Run run = unpack(mode, base, layout, dest, store, c.extraArgs());

    assertFalse(run.timedOut(), c + " (" + mode.name() + ") did not finish in " + TIMEOUT_SECONDS
        + "s; it hangs. stderr:\n" + run.stderr());
    Map<String, String> after = snapshotOutside(parent, dest);
    // Both checks run, so a failure outside DEST does not hide a wrong outcome or the reverse.
    assertAll(c + " (" + mode.name() + ")",
        () -> assertEquals("", difference(before, after),
            c + " (" + mode.name() + ") changed something outside DEST; " + run),
        () -> {
          boolean refused = run.exitCode() != 0;
          if (c.outcome() == Outcome.REFUSED
              || (c.outcome() == Outcome.EXTRACTED_OR_REFUSED && refused)) {
            assertRefusal(c, mode, run, dest);
          } else {
            assertEquals(0, run.exitCode(), c + " (" + mode.name() + ") must extract; " + run);
            assertTree(c, mode, dest, run);
          }
        });
  }

  /** What changed between two snapshots, one line per path: {@code + new}, {@code - gone}, {@code ~ changed}. */
  private static String difference(Map<String, String> before, Map<String, String> after) {
    StringBuilder diff = new StringBuilder();
    Set<String> paths = new TreeSet<>(before.keySet());
    paths.addAll(after.keySet());
    for (String path : paths) {
      String was = before.get(path);
      String is = after.get(path);
      if (was == null) {
        diff.append("+ ").append(path).append("  ").append(is).append('\n');
      } else if (is == null) {
        diff.append("- ").append(path).append("  ").append(was).append('\n');
      } else if (!was.equals(is)) {
        diff.append("~ ").append(path).append("  ").append(was).append("  =>  ").append(is).append('\n');
      }
    }
    return diff.toString();
  }

  private void assertRefusal(Case c, Mode mode, Run run, Path dest) throws IOException {
    String what = c + " (" + mode.name() + ") must be refused with one clear line; " + run;
    if (run.exitCode() == 0) {
      fail(what + "\nit extracted instead:\n" + lines(describeTree(dest, Map.of())));
    }
    assertEquals(1, run.exitCode(), what);
    String err = run.stderr().strip();
    assertFalse(err.isEmpty(), what);
    assertFalse(err.contains("\n"), "more than one line: " + what);
    assertTrue(err.startsWith("lading: "), what);
    assertFalse(err.matches("(?s).*\\b[A-Z]\\w+(Exception|Error)\\b.*"), "a Java class name: " + what);
    assertFalse(err.contains("\tat ") || err.contains("java.") || err.contains("org.apache"), what);
    assertFalse(err.contains("\uFFFD"), "raw bytes that are not UTF-8 must be escaped: " + what);
    String layer = c.layers().get(c.failingLayer()).digest().hex().substring(0, 12);
    assertTrue(err.contains(layer), "the layer " + layer + " is not named: " + what);
    if (!c.refusalMentions().isEmpty()) {
      assertTrue(c.refusalMentions().stream().anyMatch(err::contains), "the entry is not named (as one of "
          + c.refusalMentions() + "): " + what);
    }
  }

  private void assertTree(Case c, Mode mode, Path dest, Run run) throws IOException {
    Map<String, String> expected = c.tree().render(mode.privilege());
    Map<String, String> actual = describeTree(dest, c.tree().modes());
    assertEquals(lines(expected), lines(actual), c + " (" + mode.name() + ") extracted the wrong tree; "
        + run);
  }

  // ---------------------------------------------------------------------------------------------
  // running the CLI

  private record Run(int exitCode, boolean timedOut, String stdout, String stderr, List<String> command) {
    @Override
    public String toString() {
      return "exit " + exitCode + ", stderr:\n" + stderr + (stdout.isBlank() ? "" : "stdout:\n" + stdout)
          + "\ncommand: " + String.join(" ", command);
    }
  }

  private Run unpack(Mode mode, Path base, Path layout, Path dest, Path store, List<String> extraArgs)
      throws IOException, InterruptedException {
    // A home that does not exist: as nobody the real unwritable one, as root one in the work dir
    // (root could create /nonexistent). user.home is set too: the JVM takes it from passwd, not $HOME.
    String home = mode.asNobody() ? UNWRITABLE_HOME : base.resolve("no-home").toString();
    List<String> command = new ArrayList<>();
    if (mode.asNobody()) {
      command.addAll(List.of("runuser", "-u", NOBODY, "--"));
    }
    command.addAll(List.of("timeout", "-s", "KILL", Long.toString(TIMEOUT_SECONDS),
        "env", "-u", "LADING_STORE", "HOME=" + home,
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // Only start-up speed: the cases are small and a run is mostly JVM start.
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Duser.home=" + home,
        "-jar", jar.toString(), "unpack", "-q"));
    command.addAll(extraArgs);
    command.addAll(List.of("oci:" + layout + ":" + REF, dest.toString()));
    if (store != null) {
      command.addAll(List.of("--store", store.toString()));
    }
    Path out = base.resolve("stdout");
    Path err = base.resolve("stderr");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    boolean finished = p.waitFor(TIMEOUT_SECONDS + 15, TimeUnit.SECONDS);
    if (!finished) {
      // timeout(1) should have fired; make sure nothing is left running either way.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
    }
    int exit = p.exitValue();
    return new Run(exit, !finished || exit == 137, Files.readString(out, StandardCharsets.UTF_8),
        new String(Files.readAllBytes(err), StandardCharsets.UTF_8), command);
  }

  // ---------------------------------------------------------------------------------------------
  // the victim and what is observed

  private static void createVictim(Path victim) throws IOException {
    Files.createDirectories(victim.resolve("sub"));
    Files.writeString(victim.resolve("secret"), "secret");
    Files.setPosixFilePermissions(victim.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
    Files.writeString(victim.resolve("sub/file"), "file");
    Files.createSymbolicLink(victim.resolve("link"), Path.of("secret"));
  }

  /** Everything observable beside DEST: types, contents, modes, owners, link counts, mtimes, ctimes. */
  private static Map<String, String> snapshotOutside(Path parent, Path dest) throws IOException {
    Map<String, String> snapshot = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(parent)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (!p.startsWith(dest)) {
          snapshot.put(parent.relativize(p).toString(), describeOutside(p));
        }
      }
    }
    return snapshot;
  }

  private static String describeOutside(Path p) {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,nlink,uid,gid,size,lastModifiedTime,ctime",
          LinkOption.NOFOLLOW_LINKS);
      String content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Digest.of(p).shortHex()
          : Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p) : "";
      return Integer.toOctalString((Integer) a.get("mode")) + " nlink=" + a.get("nlink") + " owner="
          + a.get("uid") + ":" + a.get("gid") + " size=" + a.get("size") + " mtime="
          + a.get("lastModifiedTime") + " ctime=" + a.get("ctime") + " " + content;
    } catch (IOException e) {
      return "unreadable: " + e.getMessage(); // still shows that something is there
    }
  }

  /**
   * The extracted tree rendered like {@link ExpectedTree#render}, names byte-exact (find prints raw
   * bytes; Java would replace what is not UTF-8); modes only for the paths the case checks.
   */
  private static Map<String, String> describeTree(Path dest, Map<String, Integer> checkedModes)
      throws IOException {
    Process find = new ProcessBuilder("find", dest.toString(), "-mindepth", "1", "-printf",
        "%P\\0%y\\0%l\\0%m\\0").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] raw = find.getInputStream().readAllBytes();
    List<byte[]> fields = splitNul(raw);
    Map<String, String> tree = new TreeMap<>();
    for (int i = 0; i + 3 < fields.size(); i += 4) {
      String path = ExpectedTree.escape(fields.get(i));
      String type = new String(fields.get(i + 1), StandardCharsets.US_ASCII);
      Integer mode = checkedModes.containsKey(path)
          ? Integer.parseInt(new String(fields.get(i + 3), StandardCharsets.US_ASCII), 8) : null;
      tree.put(path, switch (type) {
        case "f" -> ExpectedTree.describe("file", ExpectedTree.describeContent(read(dest, path)), mode);
        case "d" -> ExpectedTree.describe("dir", null, mode);
        case "l" -> ExpectedTree.describe("symlink", ExpectedTree.escape(fields.get(i + 2)), mode);
        case "p" -> ExpectedTree.describe("fifo", null, mode);
        case "c", "b" -> ExpectedTree.describe(type.equals("c") ? "char" : "block", majorMinor(dest, path),
            mode);
        default -> "type " + type;
      });
    }
    return tree;
  }

  /**
   * Files the extractor may keep inside DEST for itself (an ownership record for rootless unpacks);
   * their content is not what the image holds, so the tree comparison leaves them out.
   */
  private static byte[] read(Path dest, String escapedPath) throws IOException {
    if (!escapedPath.contains("\\x")) {
      return Files.readAllBytes(dest.resolve(escapedPath));
    }
    // Java cannot open a name that is not UTF-8; the shell decodes the octal escapes into raw bytes.
    StringBuilder octal = new StringBuilder();
    for (byte b : unescapeBytes(escapedPath)) {
      octal.append(String.format("\\0%03o", b & 0xff));
    }
    Process cat = new ProcessBuilder("sh", "-c", "cd \"$1\" && cat -- \"$(printf '%b' \"$2\")\"", "sh",
        dest.toString(), octal.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return cat.getInputStream().readAllBytes();
  }

  private static byte[] unescapeBytes(String escaped) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < escaped.length(); i++) {
      if (escaped.startsWith("\\x", i)) {
        out.write(Integer.parseInt(escaped.substring(i + 2, i + 4), 16));
        i += 3;
      } else {
        out.write(escaped.charAt(i));
      }
    }
    return out.toByteArray();
  }

  private static String majorMinor(Path dest, String path) throws IOException {
    long rdev = (Long) Files.getAttribute(dest.resolve(path), "unix:rdev", LinkOption.NOFOLLOW_LINKS);
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    return major + ":" + minor;
  }

  private static List<byte[]> splitNul(byte[] raw) {
    List<byte[]> fields = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        fields.add(java.util.Arrays.copyOfRange(raw, start, i));
        start = i + 1;
      }
    }
    return fields;
  }

  private static String lines(Map<String, String> map) {
    return map.entrySet().stream().map(e -> e.getKey() + "  " + e.getValue())
        .collect(Collectors.joining("\n", "", "\n"));
  }

  // ---------------------------------------------------------------------------------------------
  // users and permissions

  private static boolean runningAsRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Lets nobody read files and traverse directories that root created (whatever the umask). */
  private static void openToAll(Path top) throws IOException {
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (!Files.isSymbolicLink(p)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
              Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
  }

  private static void chownTree(Path top, String user) throws IOException {
    UserPrincipal owner = top.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class,
            LinkOption.NOFOLLOW_LINKS).setOwner(owner);
      }
    }
  }
}
