package dev.lading.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lading.dockerfile.Instruction.Copy;
import dev.lading.dockerfile.Instruction.Env;
import dev.lading.dockerfile.Instruction.KeyValue;
import dev.lading.dockerfile.Instruction.Run;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Dockerfiles as people write them. */
class RealWorldDockerfilesTest {

  @Test
  void multiStageJavaBuild() throws Exception {
    Dockerfile df = Dockerfile.parse("""
        # syntax=docker/dockerfile:1.7
        ARG JDK=21
        ARG RUNTIME_BASE=eclipse-temurin:${JDK}-jre-alpine

        FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-${JDK} AS build
        WORKDIR /src
        COPY pom.xml .
        RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline
        COPY src ./src
        RUN --mount=type=cache,target=/root/.m2 \\
            mvn -B -q package -DskipTests && \\
            cp target/*.jar /app.jar

        FROM ${RUNTIME_BASE}
        ARG JDK
        LABEL org.opencontainers.image.description="Built with JDK ${JDK}"
        RUN addgroup -S app && adduser -S app -G app
        USER app:app
        COPY --from=build --chown=app:app /app.jar /opt/app/app.jar
        EXPOSE 8080
        HEALTHCHECK --interval=10s CMD wget -qO- http://localhost:8080/health || exit 1
        ENTRYPOINT ["java", "-jar", "/opt/app/app.jar"]
        """);
    assertEquals(2, df.stages().size());
    BuildArgs args = BuildArgs.of(Map.of("JDK", "17")).withBuildPlatform("linux/arm64");
    Instruction.From build = Expander.expandFrom(df, args, df.stages().get(0));
    assertEquals("maven:3.9-eclipse-temurin-17", build.image());
    assertEquals(Optional.of("linux/arm64"), build.platform());
    assertEquals("eclipse-temurin:17-jre-alpine", Expander.expandFrom(df, args, df.stages().get(1)).image());

    Stage runtime = df.stages().get(1);
    Expander ex = Expander.forStage(df, args, Map.of());
    ex.expand(runtime.instructions().get(0));
    Instruction.Label label = (Instruction.Label) ex.expand(runtime.instructions().get(1));
    assertEquals("Built with JDK 17", label.pairs().get(0).value());
    Copy copy = (Copy) runtime.instructions().get(4);
    assertEquals(Optional.of(df.stages().get(0)), df.stage(copy.from().orElseThrow()));
    Run package_ = (Run) df.stages().get(0).instructions().get(4);
    assertEquals(10, package_.location().line());
    assertEquals(12, package_.location().endLine());
  }

  @Test
  void aptGetWithCommentsInsideTheContinuation() throws Exception {
    Dockerfile df = Dockerfile.parse("""
        FROM debian:bookworm-slim
        ENV DEBIAN_FRONTEND noninteractive
        RUN set -eux; \\
        \tapt-get update; \\
        # build tools, removed below
        \tapt-get install -y --no-install-recommends \\
        \t\tca-certificates \\
        #\t\tcurl \\
        \t\tgnupg \\
        \t; \\
        \trm -rf /var/lib/apt/lists/*
        CMD ["bash"]
        """);
    List<Instruction> all = df.stages().get(0).instructions();
    assertEquals(List.of(new KeyValue("DEBIAN_FRONTEND", "noninteractive")), ((Env) all.get(0)).pairs());
    Run run = (Run) all.get(1);
    String text = run.command().text();
    assertTrue(text.contains("ca-certificates \t\tgnupg"), text);
    assertTrue(!text.contains("curl"), text);
    assertEquals(3, run.location().line());
    assertEquals(11, run.location().endLine());
    assertInstanceOf(Instruction.Cmd.class, all.get(2));
  }

  @Test
  void windowsDockerfileWithBacktickEscape() throws Exception {
    Dockerfile df = Dockerfile.parse("""
        # escape=`

        FROM mcr.microsoft.com/windows/servercore:ltsc2022
        SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
        WORKDIR C:\\app
        RUN New-Item -ItemType Directory C:\\data ; `
            Write-Host 'done'
        COPY app\\ C:\\app\\
        ENV APP_HOME=C:\\app
        """);
    List<Instruction> all = df.lastStage().instructions();
    Expander ex = Expander.forStage(df, BuildArgs.none(), Map.of());
    assertEquals("C:\\app", ((Instruction.Workdir) ex.expand(all.get(1))).path());
    assertEquals("New-Item -ItemType Directory C:\\data ;     Write-Host 'done'",
        ((Run) all.get(2)).command().text());
    Copy copy = (Copy) ex.expand(all.get(3));
    assertEquals(List.of("app\\"), copy.sources());
    assertEquals("C:\\app\\", copy.destination());
    assertEquals("C:\\app", ((Env) ex.expand(all.get(4))).pairs().get(0).value());
  }

  @Test
  void heredocsForScriptsAndConfigFiles() throws Exception {
    Dockerfile df = Dockerfile.parse("""
        # syntax=docker/dockerfile:1
        FROM nginx:alpine
        ARG SERVER_NAME=example.com
        RUN <<EOF
        set -e
        apk add --no-cache curl
        echo "installed" > /done
        EOF
        COPY <<EOF /etc/nginx/conf.d/default.conf
        server {
            server_name ${SERVER_NAME};
            location / { return 200 "ok"; }
        }
        EOF
        RUN <<SCRIPT python3
        print("hello from python")
        SCRIPT
        CMD ["nginx", "-g", "daemon off;"]
        """);
    List<Instruction> all = df.lastStage().instructions();
    assertEquals(5, all.size());
    Run script = (Run) all.get(1);
    assertEquals("set -e\napk add --no-cache curl\necho \"installed\" > /done\n",
        script.heredocs().get(0).content());
    Expander ex = Expander.forStage(df, BuildArgs.none(), Map.of());
    ex.expand(all.get(0));
    Copy conf = (Copy) ex.expand(all.get(2));
    assertTrue(conf.inlineSources().get(0).content().contains("server_name example.com;"));
    assertTrue(conf.inlineSources().get(0).content().contains("return 200 \"ok\";"));
    Run python = (Run) all.get(3);
    assertEquals("<<SCRIPT python3", python.command().text());
    assertEquals("print(\"hello from python\")\n", python.heredocs().get(0).content());
    assertEquals(15, python.location().line());
    assertEquals(17, python.location().endLine());
  }

  @Test
  void oldStyleDockerfileWithEdgeCases() throws Exception {
    Dockerfile df = Dockerfile.parse("""
        FROM busybox:buildroot-2014.02
        MAINTAINER docker <docker@docker.io>
        ONBUILD RUN ["echo", "test"]
        ONBUILD COPY . /

        # RUN Commands \\
        # linebreak in comment \\
        RUN ["ls", "-la"]
        RUN echo '1234' && \\
            echo "456" && \\
            echo 789
        ENV SCUBA 1 DUBA 3
        ENV SCUBA "1 DUBA 3"
        EXPOSE 9000 5000 6000
        VOLUME ["/test"]
        add . /
        copy . copy
        """);
    List<Instruction> all = df.lastStage().instructions();
    assertEquals(11, all.size());
    assertEquals("echo '1234' &&     echo \"456\" &&     echo 789", ((Run) all.get(4)).command().text());
    Expander ex = Expander.forStage(df, BuildArgs.none(), Map.of());
    assertEquals("1 DUBA 3", ((Env) ex.expand(all.get(5))).pairs().get(0).value());
    assertEquals("1 DUBA 3", ((Env) ex.expand(all.get(6))).pairs().get(0).value());
    assertInstanceOf(Instruction.Add.class, all.get(9));
    assertEquals("copy", ((Copy) all.get(10)).destination());
  }
}
