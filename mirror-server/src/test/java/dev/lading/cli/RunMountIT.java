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
 * {@code RUN --mount=type=bind} and {@code type=tmpfs} with both executors, as {@code nobody}: the
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
      // A glob, not ls: Debian 12's proot does not translate statx, which ls uses (see cli.md).
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
