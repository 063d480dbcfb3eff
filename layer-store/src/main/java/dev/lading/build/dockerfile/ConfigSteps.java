package dev.lading.build.dockerfile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lading.dockerfile.Instruction;
import dev.lading.model.ImageConfig;
import dev.lading.model.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The instructions that change only the image config (ENV, WORKDIR, USER, CMD, ENTRYPOINT, EXPOSE,
 * LABEL, MAINTAINER, VOLUME, STOPSIGNAL, SHELL, HEALTHCHECK, ONBUILD; ARG leaves no trace), each
 * with the history entry Docker writes for it, and the config fields as Docker sets them.
 */
final class ConfigSteps {
  private ConfigSteps() {}

  /** Applies {@code instruction} to the stage; false when it is not a config-only instruction. */
  static boolean apply(StageState state, Instruction instruction, Instant created) {
    ImageConfig.RunConfig run = state.run();
    if (instruction instanceof Instruction.Env e) {
      Map<String, String> env = DockerfileBuild.envMap(run.env());
      e.pairs().forEach(p -> env.put(p.key(), p.value()));
      List<String> list = new ArrayList<>();
      env.forEach((k, v) -> list.add(k + "=" + v));
      state.run(run.withEnv(list));
      state.addHistory(created, "ENV " + e.location().text().substring(3).strip());
    } else if (instruction instanceof Instruction.Arg) {
      // Build arguments shape later steps; they leave no trace in the image.
    } else if (instruction instanceof Instruction.Workdir w) {
      String path = w.path().startsWith("/") ? w.path() : DockerfileBuild.join(state.workdir(), w.path());
      state.run(run.withWorkingDir(path));
      state.addHistory(created, "WORKDIR " + path);
    } else if (instruction instanceof Instruction.User u) {
      state.run(run.withUser(u.user()));
      state.addHistory(created, "USER " + u.user());
    } else if (instruction instanceof Instruction.Cmd c) {
      state.run(run.withCmd(command(state, c.command())));
      state.addHistory(created, "CMD " + command(state, c.command()));
    } else if (instruction instanceof Instruction.Entrypoint e) {
      // As Docker: a new entrypoint drops the cmd inherited from the base.
      state.run(run.withEntrypoint(command(state, e.command())).withCmd(null));
      state.addHistory(created, "ENTRYPOINT " + command(state, e.command()));
    } else if (instruction instanceof Instruction.Expose x) {
      Set<String> ports = new TreeSet<>(run.exposedPorts() == null ? List.of() : run.exposedPorts());
      for (String p : x.ports()) {
        ports.add(p.contains("/") ? p : p + "/tcp");
      }
      state.run(run.withExposedPorts(ports));
      state.addHistory(created, "EXPOSE " + String.join(" ", x.ports()));
    } else if (instruction instanceof Instruction.Label l) {
      Map<String, String> labels = new LinkedHashMap<>(run.labels() == null ? Map.of() : run.labels());
      l.pairs().forEach(p -> labels.put(p.key(), p.value()));
      state.run(run.withLabels(labels));
      state.addHistory(created, "LABEL " + l.location().text().substring(5).strip());
    } else if (instruction instanceof Instruction.Maintainer m) {
      state.config = state.config.withAuthor(m.name());
      state.addHistory(created, "MAINTAINER " + m.name());
    } else if (instruction instanceof Instruction.Volume v) {
      Set<String> volumes = new LinkedHashSet<>(run.volumes() == null ? List.of() : run.volumes());
      volumes.addAll(v.paths());
      state.run(run.withVolumes(volumes));
      state.addHistory(created, "VOLUME " + v.paths());
    } else if (instruction instanceof Instruction.StopSignal s) {
      state.run(run.withStopSignal(s.signal()));
      state.addHistory(created, "STOPSIGNAL " + s.signal());
    } else if (instruction instanceof Instruction.Shell s) {
      state.shell = s.shell();
      state.addHistory(created, "SHELL " + s.shell());
    } else if (instruction instanceof Instruction.Healthcheck h) {
      state.run(withUnknown(run, "Healthcheck", healthcheck(h)));
      state.addHistory(created, "HEALTHCHECK " + h.location().text().substring(11).strip());
    } else if (instruction instanceof Instruction.Onbuild o) {
      ArrayNode triggers = Json.mapper().createArrayNode();
      JsonNode old = run.unknown().get("OnBuild");
      if (old != null && old.isArray()) {
        triggers.addAll((ArrayNode) old);
      }
      triggers.add(o.expression());
      state.run(withUnknown(run, "OnBuild", triggers));
      state.addHistory(created, "ONBUILD " + o.expression());
    } else {
      return false;
    }
    return true;
  }

  /** A CMD or ENTRYPOINT as the config holds it: exec form as is, shell form through SHELL. */
  static List<String> command(StageState state, Instruction.CommandLine command) {
    if (command.execForm()) {
      return command.args();
    }
    List<String> argv = new ArrayList<>(state.shell);
    argv.add(command.text());
    return argv;
  }
  private static JsonNode healthcheck(Instruction.Healthcheck h) {
    var node = Json.mapper().createObjectNode();
    var test = node.putArray("Test");
    if (h.none()) {
      test.add("NONE");
      return node;
    }
    Instruction.CommandLine cmd = h.test().orElseThrow();
    if (cmd.execForm()) {
      test.add("CMD");
      cmd.args().forEach(test::add);
    } else {
      test.add("CMD-SHELL");
      test.add(cmd.text());
    }
    putDuration(node, "Interval", h.interval());
    putDuration(node, "Timeout", h.timeout());
    putDuration(node, "StartPeriod", h.startPeriod());
    putDuration(node, "StartInterval", h.startInterval());
    if (h.retries() > 0) {
      node.put("Retries", h.retries());
    }
    return node;
  }
  private static void putDuration(ObjectNode node, String key, Duration d) {
    if (d != null && !d.isZero()) {
      node.put(key, d.toNanos());
    }
  }

  /** {@code run} without the field {@code key} of those the record does not model. */
  static ImageConfig.RunConfig withoutUnknown(ImageConfig.RunConfig run, String key) {
    if (!run.unknown().containsKey(key)) {
      return run;
    }
    Map<String, JsonNode> unknown = new LinkedHashMap<>(run.unknown());
    unknown.remove(key);
    return new ImageConfig.RunConfig(run.user(), run.exposedPorts(), run.env(), run.entrypoint(),
        run.cmd(), run.volumes(), run.workingDir(), run.labels(), run.stopSignal(), unknown);
  }

  private static ImageConfig.RunConfig withUnknown(ImageConfig.RunConfig run, String key, JsonNode value) {
    Map<String, JsonNode> unknown = new LinkedHashMap<>(run.unknown());
    unknown.put(key, value);
    return new ImageConfig.RunConfig(run.user(), run.exposedPorts(), run.env(), run.entrypoint(),
        run.cmd(), run.volumes(), run.workingDir(), run.labels(), run.stopSignal(), unknown);
  }
}
