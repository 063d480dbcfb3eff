package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.dockerfile.Instruction.Copy;
import dev.lading.dockerfile.Instruction.Env;
import dev.lading.dockerfile.Instruction.KeyValue;
import dev.lading.dockerfile.Instruction.Run;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which words Docker expands, and with which variables in scope. */
class ExpansionTest {

  /** Every instruction of the last stage, expanded in order. */
  private static List<Instruction> expanded(String text, BuildArgs args) throws DockerfileException {
    Dockerfile df = Dockerfile.parse(text);
    Expander expander = Expander.forStage(df, args, Map.of("PATH", "/usr/bin"));
    List<Instruction> out = new ArrayList<>();
    for (Instruction i : df.lastStage().instructions()) {
      out.add(expander.expand(i));
    }
    return out;
  }

  private static Instruction last(String text, BuildArgs args) throws DockerfileException {
    List<Instruction> all = expanded(text, args);
    return all.get(all.size() - 1);
  }

  @Test
  void theExpandingInstructionsExpand() throws Exception {
    List<Instruction> all = expanded("FROM x\nENV DIR=/srv U=app PORT=8080 SIG=TERM\n"
        + "WORKDIR $DIR/app\nUSER ${U}:${U}\nEXPOSE $PORT/tcp\nSTOPSIGNAL SIG$SIG\nVOLUME $DIR/data\n"
        + "LABEL path=$DIR \"${U}.name\"=\"${U} x\"\n"
        + "COPY --chown=$U --chmod=${MODE:-644} src/$U.txt $DIR/\nADD --chown=$U a.tar $DIR\n",
        BuildArgs.none());
    assertEquals("/srv/app", ((Instruction.Workdir) all.get(1)).path());
    assertEquals("app:app", ((Instruction.User) all.get(2)).user());
    assertEquals(List.of("8080/tcp"), ((Instruction.Expose) all.get(3)).ports());
    assertEquals("SIGTERM", ((Instruction.StopSignal) all.get(4)).signal());
    assertEquals(List.of("/srv/data"), ((Instruction.Volume) all.get(5)).paths());
    assertEquals(List.of(new KeyValue("path", "/srv"), new KeyValue("app.name", "app x")),
        ((Instruction.Label) all.get(6)).pairs());
    Copy copy = (Copy) all.get(7);
    assertEquals(List.of("src/app.txt"), copy.sources());
    assertEquals("/srv/", copy.destination());
    assertEquals(Optional.of("app"), copy.chown());
    assertEquals(Optional.of("644"), copy.chmod());
    assertEquals("/srv", ((Instruction.Add) all.get(8)).destination());
  }

  @Test
  void commandsAreLeftToTheirShell() throws Exception {
    List<Instruction> all = expanded("FROM x\nENV A=1\nRUN echo $A\nCMD echo $A\nENTRYPOINT [\"$A\"]\n"
        + "HEALTHCHECK CMD test $A\nONBUILD RUN echo $A\nMAINTAINER $A\n", BuildArgs.none());
    assertEquals("echo $A", ((Run) all.get(1)).command().text());
    assertEquals("echo $A", ((Instruction.Cmd) all.get(2)).command().text());
    assertEquals(List.of("$A"), ((Instruction.Entrypoint) all.get(3)).command().args());
    assertEquals("test $A", ((Instruction.Healthcheck) all.get(4)).test().orElseThrow().text());
    assertEquals("RUN echo $A", ((Instruction.Onbuild) all.get(5)).expression());
    assertEquals("$A", ((Instruction.Maintainer) all.get(6)).name());
  }

  @Test
  void envSeesOnlyTheEnvironmentBeforeIt() throws Exception {
    Env env = (Env) last("FROM x\nENV abc=hello\nENV abc=bye def=$abc\n", BuildArgs.none());
    assertEquals(List.of(new KeyValue("abc", "bye"), new KeyValue("def", "hello")), env.pairs());
    Env path = (Env) last("FROM x\nENV PATH=/opt/bin:$PATH\n", BuildArgs.none());
    assertEquals("/opt/bin:/usr/bin", path.pairs().get(0).value());
  }

  @Test
  void singleQuotesKeepDollarsLiteral() throws Exception {
    Env env = (Env) last("FROM x\nENV A=1\nENV B='$A' C=\"$A\" D=\\$A\n", BuildArgs.none());
    assertEquals(List.of(new KeyValue("B", "$A"), new KeyValue("C", "1"), new KeyValue("D", "$A")),
        env.pairs());
  }

  @Test
  void fromSeesOnlyGlobalArgsAndBuildArgsOverrideTheirDefaults() throws Exception {
    Dockerfile df = Dockerfile.parse("ARG BASE=alpine\nARG TAG=3.19\nFROM ${BASE}:${TAG} AS one\n"
        + "ENV TAG=never\nFROM --platform=$BUILDPLATFORM $BASE\n");
    BuildArgs args = BuildArgs.of(Map.of("TAG", "3.20")).withBuildPlatform("linux/arm64/v8");
    assertEquals("alpine:3.20", Expander.expandFrom(df, args, df.stages().get(0)).image());
    Instruction.From second = Expander.expandFrom(df, args, df.stages().get(1));
    assertEquals("alpine", second.image());
    assertEquals(Optional.of("linux/arm64/v8"), second.platform());
  }

  @Test
  void aFromThatExpandsToNothingIsAnError() throws Exception {
    Dockerfile df = Dockerfile.parse("ARG BASE\nFROM $BASE\n");
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> Expander.expandFrom(df, BuildArgs.none(), df.stages().get(0)));
    assertEquals(2, e.line());
  }

  @Test
  void aGlobalArgMustBeRedeclaredInTheStage() throws Exception {
    String text = "ARG VERSION=1.0\nFROM x\nENV BEFORE=v$VERSION\nARG VERSION\nENV AFTER=v$VERSION\n";
    List<Instruction> all = expanded(text, BuildArgs.none());
    assertEquals("v", ((Env) all.get(0)).pairs().get(0).value());
    assertEquals("v1.0", ((Env) all.get(2)).pairs().get(0).value());
    List<Instruction> overridden = expanded(text, BuildArgs.of(Map.of("VERSION", "2.0")));
    assertEquals("v2.0", ((Env) overridden.get(2)).pairs().get(0).value());
  }

  @Test
  void aBuildArgBeatsAStageDefault() throws Exception {
    String text = "FROM x\nARG MODE=debug\nENV M=$MODE\n";
    assertEquals("debug", ((Env) last(text, BuildArgs.none())).pairs().get(0).value());
    assertEquals("release",
        ((Env) last(text, BuildArgs.of(Map.of("MODE", "release")))).pairs().get(0).value());
  }

  @Test
  void argDefaultsSeeEarlierArgsOfTheSameLine() throws Exception {
    Env env = (Env) last("FROM x\nARG A=1 B=${A}2\nENV B=$B\n", BuildArgs.none());
    assertEquals("12", env.pairs().get(0).value());
  }

  @Test
  void anArgWithoutValueIsUnset() throws Exception {
    Env env = (Env) last("FROM x\nARG NOTHING\nENV V=${NOTHING-unset}\n", BuildArgs.none());
    assertEquals("unset", env.pairs().get(0).value());
  }

  @Test
  void envBeatsArgOfTheSameName() throws Exception {
    Dockerfile df = Dockerfile.parse("FROM x\nENV NAME=fromenv\nARG NAME=fromarg\nENV SEEN=$NAME\n");
    Expander ex = Expander.forStage(df, BuildArgs.of(Map.of("NAME", "given")), Map.of());
    Instruction lastOne = null;
    for (Instruction i : df.lastStage().instructions()) {
      lastOne = ex.expand(i);
    }
    assertEquals("fromenv", ((Env) lastOne).pairs().get(0).value());
    assertEquals("fromenv", ex.runEnvironment().get("NAME"));
    assertEquals(Map.of("NAME", "given"), ex.args());
  }

  @Test
  void platformArgsAreGlobalAndNeedDeclaringInAStage() throws Exception {
    BuildArgs args = BuildArgs.none().withTargetPlatform("linux/arm/v7");
    String text = "FROM x\nENV BEFORE=$TARGETARCH\nARG TARGETARCH TARGETVARIANT TARGETPLATFORM\n"
        + "ENV ARCH=$TARGETARCH/$TARGETVARIANT P=$TARGETPLATFORM\n";
    List<Instruction> all = expanded(text, args);
    assertEquals("", ((Env) all.get(0)).pairs().get(0).value());
    assertEquals(List.of(new KeyValue("ARCH", "arm/v7"), new KeyValue("P", "linux/arm/v7")),
        ((Env) all.get(2)).pairs());
    Map<String, String> platform = args.platformArgs();
    assertEquals("linux", platform.get("TARGETOS"));
    assertEquals("linux/amd64", platform.get("BUILDPLATFORM"));
    assertEquals("amd64", platform.get("BUILDARCH"));
  }

  @Test
  void proxyArgsReachRunWithoutDeclarationButAreNotExpanded() throws Exception {
    Dockerfile df = Dockerfile.parse("FROM x\nENV P=$HTTP_PROXY\n");
    BuildArgs args = BuildArgs.of(Map.of("HTTP_PROXY", "http://proxy:3128", "OTHER", "x"));
    Expander ex = Expander.forStage(df, args, Map.of());
    Env env = (Env) ex.expand(df.lastStage().instructions().get(0));
    assertEquals("", env.pairs().get(0).value());
    assertEquals("http://proxy:3128", ex.runEnvironment().get("HTTP_PROXY"));
    assertEquals(List.of("OTHER"), args.unused(df));
  }

  @Test
  void copyHeredocBodiesExpandUnlessTheDelimiterIsQuoted() throws Exception {
    List<Instruction> all = expanded("FROM x\nENV WHO=world\n"
        + "COPY <<EOF /greeting\nhello \"$WHO\"\nEOF\nCOPY <<'EOF' /raw\nhello $WHO\nEOF\n", BuildArgs.none());
    assertEquals("hello \"world\"\n", ((Copy) all.get(1)).inlineSources().get(0).content());
    assertEquals("hello $WHO\n", ((Copy) all.get(2)).inlineSources().get(0).content());
  }

  @Test
  void cacheMountFieldsExpand() throws Exception {
    Run run = (Run) last("FROM x\nARG CACHE=/root/.cache SHARING=private\n"
        + "RUN --mount=type=cache,target=$CACHE,id=c-$CACHE,sharing=$SHARING pip install .\n",
        BuildArgs.none());
    assertEquals("/root/.cache", ((Instruction.CacheMount) run.mounts().get(0)).target());
    assertEquals("c-/root/.cache", ((Instruction.CacheMount) run.mounts().get(0)).cacheId());
    assertEquals("private", ((Instruction.CacheMount) run.mounts().get(0)).sharing());
    Run seeded = (Run) last("FROM x\nARG STAGE=deps DIR=/go\n"
        + "RUN --mount=type=cache,target=/c,from=$STAGE,source=$DIR/pkg go build\n", BuildArgs.none());
    assertEquals(Optional.of("deps"), ((Instruction.CacheMount) seeded.mounts().get(0)).from());
    assertEquals("/go/pkg", ((Instruction.CacheMount) seeded.mounts().get(0)).source());
    DockerfileException e = assertThrows(DockerfileException.class, () -> last(
        "FROM x\nARG S=sometimes\nRUN --mount=type=cache,target=/c,sharing=$S true\n", BuildArgs.none()));
    assertEquals(3, e.line());
  }

  @Test
  void bindAndTmpfsMountFieldsExpand() throws Exception {
    Run run = (Run) last("FROM x\nARG STAGE=build SRC=/out T=/tmp/t\n"
        + "RUN --mount=from=$STAGE,source=$SRC/lib,target=/in --mount=type=tmpfs,target=$T make\n",
        BuildArgs.none());
    assertEquals(List.of(new Instruction.BindMount("/in", Optional.of("build"), "/out/lib", false),
        new Instruction.TmpfsMount("/tmp/t")), run.mounts());
  }

  @Test
  void aRequiredVariableThatIsMissingNamesTheLine() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> expanded("FROM x\n\nWORKDIR ${APP_HOME:?set APP_HOME with --build-arg}\n", BuildArgs.none()));
    assertEquals(3, e.line());
    assertEquals("WORKDIR", e.instruction());
    assertTrue(e.getMessage().startsWith("line 3: WORKDIR: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("APP_HOME: set APP_HOME with --build-arg"), e.getMessage());
  }

  @Test
  void exposeOfAListVariableExposesEachPort() throws Exception {
    Instruction.Expose x = (Instruction.Expose) last("FROM x\nARG PORTS=\"80 443\"\nEXPOSE $PORTS\n",
        BuildArgs.none());
    assertEquals(List.of("80", "443"), x.ports());
  }

  @Test
  void theBaseEnvironmentIsKeptInOrder() throws Exception {
    Dockerfile df = Dockerfile.parse("FROM x\nENV B=2\n");
    Map<String, String> base = new LinkedHashMap<>();
    base.put("Z", "1");
    base.put("A", "0");
    Expander ex = Expander.forStage(df, BuildArgs.none(), base);
    ex.expand(df.lastStage().instructions().get(0));
    assertEquals(List.of("Z", "A", "B"), List.copyOf(ex.env().keySet()));
    assertFalse(ex.env().containsKey("PATH"));
  }
}
