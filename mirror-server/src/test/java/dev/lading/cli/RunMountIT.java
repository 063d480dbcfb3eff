package dev.lading.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.testing.Processes;
import dev.lading.testing.RequiredTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code RUN --mount=type=bind}, {@code tmpfs}, {@code secret} and {@code ssh} with both executors, as {@code nobody}: the
 * step sees a file or directory of the context or of an earlier stage at the target (relative
 * targets under the WORKDIR), what it writes there reaches neither the source nor the layer, no
 * mount point is left behind, and the step runs again when, and only when, what it binds changed.
 */
class RunMountIT {
  @TempDir static Path shared;
  private static Path jar;
  private static String base;

  private static final String DOCKERFILE = "FROM BASE AS tools\n"
      + "RUN mkdir -p /out && echo from-stage > /out/tool\n"
      + "FROM BASE\n"
      + "WORKDIR /w\n"
      + "RUN --mount=type=bind,source=pom.xml,target=pom.xml cat pom.xml > /pom-seen\n"
      + "RUN --mount=type=bind,source=src,target=/src,rw echo scribble > /src/Main.java \\\n"
      + "    && (cd /src && echo *) > /src-listing\n"
      + "RUN --mount=from=tools,source=/out,target=/opt/tools cat /opt/tools/tool > /tool-seen\n"
      + "RUN --mount=type=tmpfs,target=/scratch (cd /scratch && echo *) > /scratch-listing \\\n"
      + "    && echo dropped > /scratch/f\n"
      + "RUN (cd / && echo *) > /root-listing && (cd /w && echo *) > /w-listing\n";

  @BeforeAll
  static void makeABaseImage() throws IOException {
    RequiredTool.require("umoci", "umoci");
    RequiredTool.require("skopeo", "skopeo");
    RequiredTool.require("fakechroot", "fakechroot");
    RequiredTool.require("fakeroot", "fakeroot");
    RequiredTool.require("proot", "proot");
    jar = AsNobody.jar(shared);
    base = AsNobody.baseImage("minimal", shared.resolve("bases"));
  }

  private static Processes.Result lading(String store, String... args) throws IOException {
    return AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve(store)), List.of(), args);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"fakechroot", "proot"})
  void aStepSeesWhatItBindsAndItsLayerHoldsOnlyWhatItMade(String executor) throws IOException {
    String store = "store-" + executor;
    Path ctx = Files.createDirectories(shared.resolve("ctx-" + executor));
    Files.writeString(ctx.resolve("Dockerfile"), DOCKERFILE.replace("BASE", base));
    Files.writeString(ctx.resolve("pom.xml"), "<project/>\n");
    Files.createDirectories(ctx.resolve("src"));
    Files.writeString(ctx.resolve("src/Main.java"), "class Main {}\n");
    Files.writeString(ctx.resolve("src/Other.java"), "class Other {}\n");
    Processes.check(List.of("chmod", "-R", "a+rwX", ctx.toString()), 60);

    Processes.Result built = lading(store, "build", "--executor", executor, "-t", "mounts:1", ctx.toString());
    assertEquals(0, built.exitCode(), built.output());
    Map<String, String> files = files(store, "/pom-seen", "/src-listing", "/tool-seen", "/scratch-listing",
        "/root-listing", "/w-listing");
    assertEquals("<project/>", files.get("/pom-seen"));
    assertEquals("Main.java Other.java", files.get("/src-listing"));
    assertEquals("from-stage", files.get("/tool-seen"));
    assertEquals("*", files.get("/scratch-listing"), "a tmpfs mount starts empty");
    assertEquals("bin dev etc home lib lib64 pom-seen proc root root-listing run sbin scratch-listing src-listing sys tmp"
        + " tool-seen usr var w", files.get("/root-listing"), "no mount point is left in the root");
    assertEquals("*", files.get("/w-listing"), "nor in the WORKDIR");
    assertEquals("class Main {}\n", Files.readString(ctx.resolve("src/Main.java")),
        "a step writes to its own copy of a rw bind mount, never to the context");

    List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve(store), "docker.io/library/mounts:1");
    assertEquals(List.of("pom-seen", "w/"), List.copyOf(layers.get(1).keySet()));
    assertEquals(List.of("src-listing"), List.copyOf(layers.get(2).keySet()));
    assertEquals(List.of("tool-seen"), List.copyOf(layers.get(3).keySet()));
    assertEquals(List.of("scratch-listing"), List.copyOf(layers.get(4).keySet()));

    Processes.Result again = lading(store, "build", "--executor", executor, "-t", "mounts:1", ctx.toString());
    assertTrue(again.output().contains("built 0 layers (6 from the step cache)"), again.output());
    Files.writeString(ctx.resolve("src/Other.java"), "class Other { int changed; }\n");
    Processes.Result changed = lading(store, "build", "--executor", executor, "-t", "mounts:1", ctx.toString());
    assertEquals(0, changed.exitCode(), changed.output());
    assertTrue(changed.output().contains("built 4 layers (2 from the step cache)"),
        "a change in a bound directory runs its step (and the ones after it) again: " + changed.output());
  }

  @org.junit.jupiter.api.Test
  void secretsAreSeenByTheStepAndKeptOutOfTheImageAndTheCacheKey() throws IOException {
    String store = "store-secrets";
    Path ctx = Files.createDirectories(shared.resolve("ctx-secrets"));
    Files.writeString(ctx.resolve("Dockerfile"), ("FROM BASE\n"
        + "RUN --mount=type=secret,id=npmrc --mount=type=secret,id=token,env=TOKEN \\\n"
        + "    --mount=type=secret,id=npmrc,target=/root/.npmrc,mode=0440,uid=7 \\\n"
        + "    --mount=type=secret,id=absent \\\n"
        + "    (wc -c < /run/secrets/npmrc; wc -c < /root/.npmrc; echo ${#TOKEN}) > /lengths \\\n"
        + "    && if [ -e /run/secrets/absent ]; then echo there; else echo absent; fi >> /lengths\n")
        .replace("BASE", base));
    Path secret = Files.writeString(shared.resolve("npmrc"), "//registry/:_authToken=s3cr3t\n");
    Processes.check(List.of("chmod", "-R", "a+rX", ctx.toString(), secret.toString()), 60);
    List<String> env = List.of("LADING_STORE=" + shared.resolve(store), "TOKEN_VALUE=t0ken-value");
    Processes.Result built = AsNobody.lading(jar, env, List.of(), "build", "-t", "mounts:1",
        "--secret", "id=npmrc,src=" + secret, "--secret", "id=token,env=TOKEN_VALUE", ctx.toString());
    assertEquals(0, built.exitCode(), built.output());
    assertTrue(built.output().contains("no secret absent was given: the step runs without it"), built.output());
    assertEquals("30\n30\n11\nabsent", files(store, "/lengths").get("/lengths"));
    List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve(store), "docker.io/library/mounts:1");
    assertEquals(List.of("lengths"), List.copyOf(layers.get(1).keySet()), "no secret and no mount point");
    Processes.Result inspected = lading(store, "inspect", "store:mounts:1");
    assertEquals(0, inspected.exitCode(), inspected.output());
    assertTrue(!inspected.output().contains("s3cr3t") && !inspected.output().contains("t0ken"), inspected.output());

    Files.writeString(secret, "//registry/:_authToken=rotated\n");
    Processes.Result rotated = AsNobody.lading(jar, env, List.of(), "build", "-t", "mounts:1",
        "--secret", "id=npmrc,src=" + secret, "--secret", "id=token,env=TOKEN_VALUE", ctx.toString());
    assertTrue(rotated.output().contains("built 0 layers (1 from the step cache)"),
        "a secret is not part of the step's key, as in BuildKit: " + rotated.output());

    Files.writeString(ctx.resolve("Dockerfile"), "FROM BASE\nRUN --mount=type=secret,id=npmrc,required true\n"
        .replace("BASE", base));
    Processes.Result missing = lading(store, "build", ctx.toString());
    assertEquals(1, missing.exitCode(), missing.output());
    assertTrue(missing.output().contains("line 2: RUN --mount=type=secret,id=npmrc is required and no secret"
        + " npmrc was given: pass --secret id=npmrc,src=FILE"), missing.output());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"fakechroot", "proot"})
  void sshMountsReachTheBuildsAgentsAndLeaveNothingBehind(String executor) throws IOException {
    RequiredTool.require("ssh-agent", "openssh-client");
    RequiredTool.require("ssh-add", "openssh-client");
    RequiredTool.require("ssh-keygen", "openssh-client");
    String store = "store-ssh-" + executor;
    Path dir = Files.createDirectories(shared.resolve("ssh-" + executor));
    Processes.check(List.of("chmod", "777", dir.toString()), 60);
    // The image gets the host's ssh-add and the libraries it links (the base has the host's glibc).
    Path ctx = Files.createDirectories(dir.resolve("ctx"));
    Path lib = Files.createDirectories(ctx.resolve("lib"));
    for (String tool : List.of("ssh-add", "ssh-agent")) {
      Path program = RequiredTool.require(tool, "openssh-client");
      Files.copy(program, ctx.resolve(tool));
      for (String line : Processes.check(List.of("ldd", program.toString()), 60).lines().toList()) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("=> (/\\S+)").matcher(line);
        if (m.find()) {
          Path library = Path.of(m.group(1));
          Files.copy(library, lib.resolve(library.getFileName().toString()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    Files.writeString(ctx.resolve("Dockerfile"), ("FROM BASE\n"
        + "COPY ssh-add ssh-agent /usr/bin/\n"
        + "COPY lib/ /lib/x86_64-linux-gnu/\n"
        + "RUN --mount=type=ssh ssh-add -l > /keys && echo \"$SSH_AUTH_SOCK\" > /sock\n"
        + "RUN --mount=type=ssh,id=ci,target=/tmp/agent.sock SSH_AUTH_SOCK=/tmp/agent.sock ssh-add -l > /keys-ci\n"
        + "RUN --mount=type=ssh,id=absent (cd /run && echo *) > /run-listing && (cd /tmp && echo *) > /tmp-listing \\\n"
        + "    && (cd / && echo *) > /root-listing\n"
        // A socket the step binds and connects to itself: the root's path is long here, and a socket
        // path has room for 107 bytes (fakechroot puts the root's path before it). ssh-agent makes
        // itself undumpable, which would stop proot from translating its bind (SyscallFilter).
        + "RUN eval \"$(ssh-agent -s -a /tmp/in-step-agent-socket-of-this-build.sock)\" >/dev/null \\\n"
        + "    && (SSH_AUTH_SOCK=/tmp/in-step-agent-socket-of-this-build.sock ssh-add -l 2>&1 || true) \\\n"
        + "    | grep -c -e 'Error connecting' -e 'Could not open' > /in-step; ssh-agent -k >/dev/null\n")
        .replace("BASE", base));
    Processes.check(List.of("chmod", "-R", "a+rwX", ctx.toString()), 60);

    // A real agent of the building user's, holding one key.
    Path socket = dir.resolve("agent.sock");
    Path key = dir.resolve("id_ed25519");
    List<String> asNobody = AsNobody.root() ? List.of("runuser", "-u", "nobody", "--") : List.of();
    List<String> agentCommand = new java.util.ArrayList<>(asNobody);
    agentCommand.addAll(List.of("ssh-agent", "-s", "-a", socket.toString()));
    String agent = Processes.check(agentCommand, 60);
    java.util.regex.Matcher pid = java.util.regex.Pattern.compile("SSH_AGENT_PID=(\\d+)").matcher(agent);
    assertTrue(pid.find(), agent);
    try {
      List<String> keygen = new java.util.ArrayList<>(asNobody);
      keygen.addAll(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lading-test", "-f", key.toString()));
      Processes.check(keygen, 60);
      List<String> add = new java.util.ArrayList<>(asNobody);
      add.addAll(List.of("env", "SSH_AUTH_SOCK=" + socket, "ssh-add", "-q", key.toString()));
      Processes.check(add, 60);
      String fingerprint = Processes.check(List.of("ssh-keygen", "-l", "-f", key + ".pub"), 60).strip();

      Processes.Result built = AsNobody.lading(jar, List.of("LADING_STORE=" + shared.resolve(store),
          "SSH_AUTH_SOCK=" + socket), List.of(), "build", "--executor", executor, "--ssh", "default",
          "--ssh", "ci=" + socket, "-t", "mounts:1", ctx.toString());
      assertEquals(0, built.exitCode(), built.output());
      assertTrue(built.output().contains("no ssh agent absent was given (--ssh absent): the step runs without it"),
          built.output());
      Map<String, String> files = files(store, "/keys", "/sock", "/keys-ci", "/root-listing", "/run-listing",
          "/tmp-listing", "/in-step");
      assertEquals(fingerprint, files.get("/keys"), "the step lists the agent's key through its socket");
      assertEquals("/run/buildkit/ssh_agent.0", files.get("/sock"), "SSH_AUTH_SOCK names the first ssh mount");
      assertEquals(fingerprint, files.get("/keys-ci"));
      assertEquals("bin dev etc home keys keys-ci lib lib64 proc root root-listing run run-listing sbin sock sys tmp"
          + " tmp-listing usr var", files.get("/root-listing"), "no socket is left in the root");
      assertTrue(!files.get("/run-listing").contains("buildkit"), "nor the directory made for one: "
          + files.get("/run-listing"));
      assertEquals("*", files.get("/tmp-listing"));
      // Connected: the agent then refuses ssh-add, as fakeroot's uid 0 is not the peer's real uid.
      assertEquals("0", files.get("/in-step"), "ssh-add connected to the step's own agent");
      List<TreeMap<String, String>> layers = LayerListing.layers(shared.resolve(store), "docker.io/library/mounts:1");
      assertEquals(List.of("keys", "sock"), List.copyOf(layers.get(3).keySet()), "the layer holds no socket");
      assertEquals(List.of("keys-ci"), List.copyOf(layers.get(4).keySet()));
    } finally {
      List<String> kill = new java.util.ArrayList<>(asNobody);
      kill.addAll(List.of("kill", pid.group(1)));
      Processes.run(kill, 60);
    }

    Files.writeString(ctx.resolve("Dockerfile"), "FROM BASE\nRUN --mount=type=ssh,required true\n"
        .replace("BASE", base));
    Processes.Result missing = lading(store, "build", ctx.toString());
    assertEquals(1, missing.exitCode(), missing.output());
    assertTrue(missing.output().contains("line 2: RUN --mount=type=ssh is required and no ssh agent default was"
        + " given: pass --ssh default"), missing.output());
    Processes.Result keyFile = lading(store, "build", "--ssh", "default=" + key, ctx.toString());
    assertTrue(keyFile.exitCode() != 0, keyFile.output());
    assertTrue(keyFile.output().contains(key + " is a file, not an ssh agent's socket: Lading forwards agents,"
        + " not key files"), keyFile.output());
  }

  /** The contents of files of the built image, by path, read in one {@code lading run}. */
  private static Map<String, String> files(String store, String... paths) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("run", "-q", "store:mounts:1", "--", "sh", "-c",
        "for f in \"$@\"; do echo \"== $f\"; cat \"$f\"; done", "sh"));
    args.addAll(List.of(paths));
    Processes.Result run = lading(store, args.toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.output());
    Map<String, String> files = new TreeMap<>();
    for (String part : ("\n" + run.output()).split("\n== ")) {
      if (!part.isBlank()) {
        int nl = part.indexOf('\n');
        files.put(part.substring(0, nl < 0 ? part.length() : nl), nl < 0 ? "" : part.substring(nl + 1).strip());
      }
    }
    return files;
  }
}
