package dev.lading.dockerfile;

import static dev.lading.dockerfile.LineParsingTest.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.dockerfile.Instruction.Add;
import dev.lading.dockerfile.Instruction.Arg;
import dev.lading.dockerfile.Instruction.ArgDeclaration;
import dev.lading.dockerfile.Instruction.BindMount;
import dev.lading.dockerfile.Instruction.CacheMount;
import dev.lading.dockerfile.Instruction.SecretMount;
import dev.lading.dockerfile.Instruction.TmpfsMount;
import dev.lading.dockerfile.Instruction.Copy;
import dev.lading.dockerfile.Instruction.Entrypoint;
import dev.lading.dockerfile.Instruction.Env;
import dev.lading.dockerfile.Instruction.Expose;
import dev.lading.dockerfile.Instruction.Healthcheck;
import dev.lading.dockerfile.Instruction.KeyValue;
import dev.lading.dockerfile.Instruction.Label;
import dev.lading.dockerfile.Instruction.Maintainer;
import dev.lading.dockerfile.Instruction.Onbuild;
import dev.lading.dockerfile.Instruction.Run;
import dev.lading.dockerfile.Instruction.Shell;
import dev.lading.dockerfile.Instruction.StopSignal;
import dev.lading.dockerfile.Instruction.User;
import dev.lading.dockerfile.Instruction.Volume;
import dev.lading.dockerfile.Instruction.Workdir;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What each instruction's record holds. */
class InstructionsTest {

  @Test
  void fromNamesTheBaseTheStageAndThePlatform() throws Exception {
    Dockerfile df = Dockerfile.parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\n"
        + "FROM scratch\nFROM build AS final\n");
    Stage build = df.stages().get(0);
    assertEquals("golang:1.22", build.baseImage());
    assertEquals(Optional.of("build"), build.name());
    assertEquals(Optional.of("$BUILDPLATFORM"), build.platform());
    assertEquals("scratch", df.stages().get(1).baseImage());
    assertEquals(Optional.empty(), df.stages().get(1).name());
    assertEquals(2, df.stages().get(2).index());
    assertEquals(Optional.of(build), df.baseStage(2, "build"));
    assertEquals(Optional.empty(), df.baseStage(0, "build"));
    assertEquals(Optional.of(df.stages().get(1)), df.stage("1"));
    assertEquals(df.stages().get(2), df.lastStage());
  }

  @Test
  void fromNeedsOneOrThreeWordsAndAValidStageName() {
    assertThrows(DockerfileException.class, () -> Dockerfile.parse("FROM a b\n"));
    assertThrows(DockerfileException.class, () -> Dockerfile.parse("FROM a AS 1st\n"));
    DockerfileException dup = assertThrows(DockerfileException.class,
        () -> Dockerfile.parse("FROM a AS x\nFROM b AS X\n"));
    assertEquals(2, dup.line());
  }

  @Test
  void globalArgsComeBeforeTheFirstFrom() throws Exception {
    Dockerfile df = Dockerfile.parse("ARG VERSION=3.19\nARG REGISTRY\nFROM alpine:$VERSION\nARG VERSION\n");
    assertEquals(2, df.globalArgs().size());
    assertEquals(List.of(new ArgDeclaration("VERSION", Optional.of("3.19"))),
        df.globalArgs().get(0).declarations());
    assertEquals(List.of(new ArgDeclaration("REGISTRY", Optional.empty())),
        df.globalArgs().get(1).declarations());
    assertEquals(1, df.stages().get(0).instructions().size());
  }

  @Test
  void runCarriesItsCacheMounts() throws Exception {
    Run run = (Run) only("RUN --mount=type=cache,target=/root/.m2,id=m2,sharing=locked "
        + "--mount=type=cache,dst=/var/cache/apt,ro,mode=0755,uid=1000,gid=1000 mvn -B package\n");
    assertEquals(List.of(
        new CacheMount("/root/.m2", Optional.of("m2"), "locked", false, Optional.empty(),
            Optional.empty(), Optional.empty()),
        new CacheMount("/var/cache/apt", Optional.empty(), "shared", true, Optional.of("0755"),
            Optional.of("1000"), Optional.of("1000"))), run.mounts());
    assertEquals("/var/cache/apt", ((CacheMount) run.mounts().get(1)).cacheId());
    assertEquals("mvn -B package", run.command().text());
    assertFalse(run.command().execForm());
  }

  @Test
  void aCacheMountCarriesTheStageItStartsFrom() throws Exception {
    Run run = (Run) only("RUN --mount=type=cache,target=/go/pkg/mod,from=deps,source=/go/pkg/mod "
        + "--mount=type=cache,target=/c,from=deps go build\n");
    assertEquals(List.of(
        new CacheMount("/go/pkg/mod", Optional.empty(), "shared", false, Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.of("deps"), "/go/pkg/mod"),
        new CacheMount("/c", Optional.empty(), "shared", false, Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.of("deps"), ".")), run.mounts());
  }

  @Test
  void aCacheMountWithoutFromIsWordedAsBeforeFromWasRead() throws Exception {
    // The words are in every step cache key: caches built before from= was read stay valid.
    assertEquals("CacheMount[target=/root/.m2, id=Optional[m2], sharing=locked, readOnly=false,"
        + " mode=Optional.empty, uid=Optional[1000], gid=Optional.empty]",
        new CacheMount("/root/.m2", Optional.of("m2"), "locked", false, Optional.empty(),
            Optional.of("1000"), Optional.empty()).toString());
    assertEquals("CacheMount[target=/c, id=Optional.empty, sharing=shared, readOnly=false,"
        + " mode=Optional.empty, uid=Optional.empty, gid=Optional.empty, from=deps, source=/x]",
        new CacheMount("/c", Optional.empty(), "shared", false, Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.of("deps"), "/x").toString());
  }

  @Test
  void runCarriesItsBindAndTmpfsMounts() throws Exception {
    Run run = (Run) only("RUN --mount=type=bind,source=pom.xml,target=pom.xml "
        + "--mount=type=bind,from=build,src=/out,dst=/in,rw --mount=target=/ctx "
        + "--mount=type=tmpfs,target=/t,size=64m \"a,b\" mvn -B package\n");
    assertEquals(List.of(
        new BindMount("pom.xml", Optional.empty(), "pom.xml", false),
        new BindMount("/in", Optional.of("build"), "/out", true),
        new BindMount("/ctx", Optional.empty(), ".", false),
        new TmpfsMount("/t")), run.mounts());
    assertEquals("\"a,b\" mvn -B package", run.command().text());
  }

  @Test
  void runCarriesItsSecretMounts() throws Exception {
    Run run = (Run) only("RUN --mount=type=secret,id=npmrc --mount=type=secret,target=/root/.netrc,mode=0440,uid=7 "
        + "--mount=type=secret,id=token,env=TOKEN,required make\n");
    assertEquals(List.of(
        new SecretMount("npmrc", "/run/secrets/npmrc", Optional.empty(), false, "0400", "0", "0"),
        new SecretMount(".netrc", "/root/.netrc", Optional.empty(), false, "0440", "7", "0"),
        new SecretMount("token", "", Optional.of("TOKEN"), true, "0400", "0", "0")), run.mounts());
  }

  @Test
  void runCarriesItsSshMountsNumberedAsBuildKitDoes() throws Exception {
    Run run = (Run) only("RUN --mount=type=ssh --mount=type=cache,target=/c --mount=type=ssh,id=work,required "
        + "--mount=type=ssh,id=ci,target=/ssh.sock,mode=0660,uid=7,gid=8 git clone x\n");
    assertEquals(List.of(
        new Instruction.SshMount("default", "/run/buildkit/ssh_agent.0", false, "0600", "0", "0"),
        run.mounts().get(1),
        new Instruction.SshMount("work", "/run/buildkit/ssh_agent.1", true, "0600", "0", "0"),
        new Instruction.SshMount("ci", "/ssh.sock", false, "0660", "7", "8")), run.mounts());
  }

  @Test
  void addTakesAnHttpUrlWithAChecksum() throws Exception {
    String sum = "sha256:" + "ab".repeat(32);
    Instruction.Add add = (Instruction.Add) only("ADD --checksum=" + sum
        + " https://example.com/agent.jar?x=1 /opt/\n");
    assertEquals(List.of("https://example.com/agent.jar?x=1"), add.sources());
    assertEquals(Optional.of(sum), add.checksum());
    assertTrue(Instruction.Add.isUrl("HTTP://example.com/a") && !Instruction.Add.isUrl("a/http://b"));
  }

  @Test
  void harmlessRunFlagValuesAreAccepted() throws Exception {
    Run run = (Run) only("RUN --network=default --security=sandbox make\n");
    assertEquals("make", run.command().text());
    assertTrue(run.network());
    assertTrue(((Run) only("RUN --network=host make\n")).network(), "what every step has");
    assertFalse(((Run) only("RUN --network=none make\n")).network());
  }

  @Test
  void copyAndAddTakeExcludePatternsAsWritten() throws Exception {
    Copy copy = (Copy) only("COPY --exclude=*.md --exclude=!README.md --from=b . /src\n");
    assertEquals(List.of("*.md", "!README.md"), copy.excludes());
    Add add = (Add) only("ADD --exclude=$X a /b\n");
    assertEquals(List.of("$X"), add.excludes(), "not expanded, as in BuildKit");
    assertEquals(List.of(), ((Copy) only("COPY a /b\n")).excludes());    assertEquals(Optional.of(true), ((Add) only("ADD --unpack https://x/a.tgz /b\n")).unpack());
    assertEquals(Optional.of(false), ((Add) only("ADD --unpack=false a.tgz /b\n")).unpack());
    assertEquals(Optional.empty(), ((Add) only("ADD a.tgz /b\n")).unpack());    assertTrue(((Copy) only("COPY --parents ./x/./y/*.txt /p/\n")).parents());
    assertFalse(((Copy) only("COPY --parents=false a /b\n")).parents());    Add git = (Add) only("ADD --keep-git-dir https://github.com/moby/buildkit.git#v0.14.1:docs /d\n");
    assertTrue(git.keepGitDir());
    for (String repo : List.of("https://github.com/moby/buildkit.git#v0.14.1:docs", "git@github.com:moby/buildkit.git",
        "https://github.com/moby/buildkit.git?tag=v0.14.1&subdir=docs",
        "git://host/repo", "ssh://git@host/repo")) {
      assertTrue(Add.isGit(repo) && !Add.isUrl(repo), repo);
    }
    assertTrue(Add.isUrl("https://example.com/tool.tgz") && !Add.isGit("https://example.com/tool.tgz"));
  }

  @Test
  void copyAndAddKeepSourcesDestinationAndFlags() throws Exception {
    Copy copy = (Copy) only("COPY --chmod=0644 [\"a b.txt\", \"c\", \"/dest/\"]\n");
    assertEquals(List.of("a b.txt", "c"), copy.sources());
    assertEquals("/dest/", copy.destination());
    assertEquals(Optional.of("0644"), copy.chmod());
    assertEquals(Optional.empty(), copy.from());
    Add add = (Add) only("ADD --link --chown=0:0 app.tar.gz config/ /opt/\n");
    assertEquals(List.of("app.tar.gz", "config/"), add.sources());
    assertEquals("/opt/", add.destination());
    assertTrue(add.link());
    assertEquals(Optional.of("0:0"), add.chown());
  }

  @Test
  void copyNeedsADestination() {
    DockerfileException e = assertThrows(DockerfileException.class, () -> only("COPY onlyone\n"));
    assertTrue(e.getMessage().contains("requires at least two arguments"), e.getMessage());
  }

  @Test
  void envInBothForms() throws Exception {
    Env modern = (Env) only("ENV A=1 B=\"two words\" C=three\\ words\n");
    assertEquals(List.of(new KeyValue("A", "1"), new KeyValue("B", "\"two words\""),
        new KeyValue("C", "three\\ words")), modern.pairs());
    Env legacy = (Env) only("ENV PATH /usr/local/bin:$PATH with spaces\n");
    assertEquals(List.of(new KeyValue("PATH", "/usr/local/bin:$PATH with spaces")), legacy.pairs());
  }

  @Test
  void envProblems() {
    assertThrows(DockerfileException.class, () -> only("ENV\n"));
    assertThrows(DockerfileException.class, () -> only("ENV ONLYNAME\n"));
    assertThrows(DockerfileException.class, () -> only("ENV A=1 B\n"));
    assertThrows(DockerfileException.class, () -> only("ENV =value\n"));
  }

  @Test
  void labelsAndMaintainer() throws Exception {
    Label label = (Label) only("LABEL org.opencontainers.image.title=\"My app\" version=1.0\n");
    assertEquals(new KeyValue("org.opencontainers.image.title", "\"My app\""), label.pairs().get(0));
    Maintainer m = (Maintainer) only("MAINTAINER Jane Doe <jane@example.com>\n");
    assertEquals("Jane Doe <jane@example.com>", m.name());
    assertEquals(List.of(new KeyValue("org.opencontainers.image.authors", "Jane Doe <jane@example.com>")),
        m.asLabel().pairs());
  }

  @Test
  void argWithAndWithoutDefaults() throws Exception {
    Arg arg = (Arg) only("ARG USER=app UID GREETING=\"hello world\"\n");
    assertEquals(List.of(new ArgDeclaration("USER", Optional.of("app")),
        new ArgDeclaration("UID", Optional.empty()),
        new ArgDeclaration("GREETING", Optional.of("\"hello world\""))), arg.declarations());
  }

  @Test
  void singleStringInstructions() throws Exception {
    assertEquals("/srv/app", ((Workdir) only("WORKDIR /srv/app\n")).path());
    User user = (User) only("USER app:staff\n");
    assertEquals("app", user.name());
    assertEquals(Optional.of("staff"), user.group());
    assertEquals(Optional.empty(), ((User) only("USER 1000\n")).group());
    assertEquals("SIGTERM", ((StopSignal) only("STOPSIGNAL SIGTERM\n")).signal());
    assertThrows(DockerfileException.class, () -> only("WORKDIR\n"));
  }

  @Test
  void exposeAndVolume() throws Exception {
    assertEquals(List.of("80/tcp", "53/udp", "8080"), ((Expose) only("EXPOSE 80/tcp 53/udp 8080\n")).ports());
    assertEquals(List.of("/data"), ((Volume) only("VOLUME [\"/data\"]\n")).paths());
    assertEquals(List.of("/a", "/b"), ((Volume) only("VOLUME /a /b\n")).paths());
    assertThrows(DockerfileException.class, () -> only("VOLUME [\"\"]\n"));
    assertThrows(DockerfileException.class, () -> only("EXPOSE\n"));
  }

  @Test
  void entrypointShellAndEmptyCmd() throws Exception {
    Entrypoint e = (Entrypoint) only("ENTRYPOINT [\"/docker-entrypoint.sh\"]\n");
    assertEquals(List.of("/docker-entrypoint.sh"), e.command().args());
    assertEquals(List.of("/bin/bash", "-o", "pipefail", "-c"),
        ((Shell) only("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n")).shell());
    DockerfileException notJson = assertThrows(DockerfileException.class, () -> only("SHELL /bin/bash -c\n"));
    assertTrue(notJson.getMessage().contains("JSON"), notJson.getMessage());
    assertTrue(((Instruction.Cmd) only("CMD []\n")).command().args().isEmpty());
  }

  @Test
  void healthcheckWithOptions() throws Exception {
    Healthcheck h = (Healthcheck) only("HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms "
        + "--start-interval=2s --retries=3 CMD curl -f http://localhost/ || exit 1\n");
    assertFalse(h.none());
    assertEquals("curl -f http://localhost/ || exit 1", h.test().orElseThrow().text());
    assertEquals(Duration.ofSeconds(30), h.interval());
    assertEquals(Duration.ofSeconds(90), h.timeout());
    assertEquals(Duration.ofMillis(500), h.startPeriod());
    assertEquals(Duration.ofSeconds(2), h.startInterval());
    assertEquals(3, h.retries());
    Healthcheck exec = (Healthcheck) only("HEALTHCHECK cmd [\"/bin/check\", \"--quick\"]\n");
    assertTrue(exec.test().orElseThrow().execForm());
    assertEquals(Duration.ZERO, exec.interval());
    assertTrue(((Healthcheck) only("HEALTHCHECK NONE\n")).none());
  }

  @Test
  void healthcheckProblems() {
    assertThrows(DockerfileException.class, () -> only("HEALTHCHECK NONE --interval=1s\n"));
    assertThrows(DockerfileException.class, () -> only("HEALTHCHECK RUN true\n"));
    assertThrows(DockerfileException.class, () -> only("HEALTHCHECK CMD\n"));
    assertThrows(DockerfileException.class, () -> only("HEALTHCHECK --interval=1x CMD true\n"));
    assertThrows(DockerfileException.class, () -> only("HEALTHCHECK --interval=1ns CMD true\n"));
    assertThrows(DockerfileException.class, () -> only("HEALTHCHECK --retries=-1 CMD true\n"));
    assertThrows(DockerfileException.class, () -> only("HEALTHCHECK --retries=many CMD true\n"));
  }

  @Test
  void onbuildKeepsItsTriggerParsed() throws Exception {
    Onbuild o = (Onbuild) only("ONBUILD COPY --chown=app . /src\n");
    assertEquals("COPY --chown=app . /src", o.expression());
    assertEquals("/src", ((Copy) o.trigger()).destination());
    Onbuild heredoc = (Onbuild) only("ONBUILD RUN <<EOF\necho built\nEOF\n");
    assertEquals("RUN <<EOF\necho built\nEOF", heredoc.expression());
    assertThrows(DockerfileException.class, () -> only("ONBUILD ONBUILD RUN true\n"));
    assertThrows(DockerfileException.class, () -> only("ONBUILD FROM alpine\n"));
    assertThrows(DockerfileException.class, () -> only("ONBUILD MAINTAINER me\n"));
    assertThrows(DockerfileException.class, () -> only("ONBUILD FROBNICATE\n"));
  }

  @Test
  void aBaseImageTriggerParsesAsOneInstruction() throws Exception {
    Copy copy = (Copy) Dockerfile.parseTrigger("COPY . /app/src");
    assertEquals("/app/src", copy.destination());
    Run run = (Run) Dockerfile.parseTrigger("RUN <<EOF\nmake\nEOF");
    assertEquals("make\n", run.heredocs().get(0).content());
    DockerfileException twice = assertThrows(DockerfileException.class,
        () -> Dockerfile.parseTrigger("RUN a\nRUN b"));
    assertTrue(twice.getMessage().contains("exactly one instruction"), twice.getMessage());
    DockerfileException from = assertThrows(DockerfileException.class,
        () -> Dockerfile.parseTrigger("FROM alpine"));
    assertTrue(from.getMessage().startsWith("ONBUILD: the base image's trigger \"FROM alpine\""),
        from.getMessage());
  }

  @Test
  void locationKeepsTheLogicalText() throws Exception {
    Instruction i = only("RUN echo a \\\n  b\n");
    assertEquals("RUN echo a   b", i.location().text());
    assertEquals("RUN", i.keyword());
  }
}
